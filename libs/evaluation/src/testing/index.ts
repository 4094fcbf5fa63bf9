// @cptflow/evaluation/testing: test scaffolding of libs/evaluation, for tests and benchmarks only; production code
// imports @cptflow/evaluation, never this entry.
export * from '../eval/testing';
