// @cptflow/platform/testing: test scaffolding of libs/platform, for tests and benchmarks only; production code
// imports @cptflow/platform, never this entry.
export * from '../transport/bus-behaviour';
export * from '../transport/topic-reading';
