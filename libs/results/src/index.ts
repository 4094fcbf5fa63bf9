// @cptflow/results: the public entry of libs/results (see its README.md). Other libs, services, tests and
// benchmarks import from here, never from a file below it.
export * from './results-store';
export * from './report';
