// @cptflow/platform: the public entry of libs/platform (see its README.md). Other libs, services, tests and
// benchmarks import from here, never from a file below it.
export * from './contracts';
export * from './config';
export * from './transport';
export * from './telemetry';
