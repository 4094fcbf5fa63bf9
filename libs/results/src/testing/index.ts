// @cptflow/results/testing: test scaffolding of libs/results, for tests and benchmarks only; production code
// imports @cptflow/results, never this entry.
export * from '../results-store/testing/test-databases';
