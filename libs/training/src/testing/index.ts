// @cptflow/training/testing: test scaffolding of libs/training, for tests and benchmarks only; production code
// imports @cptflow/training, never this entry.
export * from '../trainer/testing';
