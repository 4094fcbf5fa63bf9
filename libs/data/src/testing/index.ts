// @cptflow/data/testing: test scaffolding of libs/data, for tests and benchmarks only; production code
// imports @cptflow/data, never this entry.
export * from '../packing/testing/char-tokenizer';
export * from '../model-scorer/testing/bag-of-tokens-classifier';
export * from '../dedup/real-text.testutil';
export * from '../quality/filters/test-texts';
