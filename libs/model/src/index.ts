// @cptflow/model: the public entry of libs/model (see its README.md). Other libs, services, tests and
// benchmarks import from here, never from a file below it.
export * from './safetensors';
export * from './model-config';
export * from './llama';
export * from './hf-model-dir';
