// @cptflow/data: the public entry of libs/data (see its README.md). Other libs, services, tests and
// benchmarks import from here, never from a file below it.
export * from './corpora';
export * from './ingest';
export * from './quality';
export * from './dedup';
export * from './packing';
export * from './model-scorer';
export * from './pipeline-stages';
