export { LlamaConfig, ModelConfigError, parseLlamaConfig, toHfConfigJson } from './llama-config';
export { LlamaShapes, ParameterKind, ParameterSpec, parameterSpecs, parameterCount, elementCount, decaysByDefault } from './parameters';
export { MOBILELLM_125M, MOBILELLM_125M_PARAMETERS, TINY_TEST, CPTFLOW_TINY, PRESETS } from './presets';
export { initParameter, initParameters } from './init';
export { loadLlamaConfig } from './load';
export { loadHfModel, saveHfModel, HfModel, SaveHfOptions } from './hf-weights';
export { readTokenizerConfig, TokenizerSpecialTokens } from './tokenizer-config';
