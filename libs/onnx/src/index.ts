// @cptflow/onnx: the public entry of libs/onnx (see its README.md). Other libs, services, tests and
// benchmarks import from here, never from a file below it.
export * from './onnx-graph';
export * from './ort-worker';
