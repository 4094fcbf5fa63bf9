// @cptflow/onnx/testing: test scaffolding of libs/onnx, for tests and benchmarks only; production code
// imports @cptflow/onnx, never this entry.
export * from '../onnx-graph/testing';
export * from '../ort-worker/testing';
