// @cptflow/pycompat: the public entry of libs/pycompat (see its README.md). Other libs, services, tests and
// benchmarks import from here, never from a file below it.
export * from './random';
export * from './text/python-text';
export * from './text/word-splitter';
export * from './jsonl/jsonl-file';
export * from './python-compat';
export { DATATROVE_PUNCTUATION_SET, DATATROVE_TERMINAL_PUNCTUATION } from './text/reference-tables.generated';
