// @cptflow/torch-engine/testing: test scaffolding of libs/torch-engine, for tests and benchmarks only; production code
// imports @cptflow/torch-engine, never this entry.
export * from './python';
export * from './golden';
