// @cptflow/evaluation: the public entry of libs/evaluation (see its README.md). Other libs, services, tests and
// benchmarks import from here, never from a file below it.
export * from './eval';
export * from './eval-engine';
