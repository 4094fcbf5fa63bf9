// @cptflow/model/testing: test scaffolding of libs/model, for tests and benchmarks only; production code
// imports @cptflow/model, never this entry.
export * from '../llama/testing/fixtures';
