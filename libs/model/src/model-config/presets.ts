// Named configurations. MobileLLM-125M's numbers come from facebook/MobileLLM-125M's config.json
// (Hugging Face hub, facebookresearch/MobileLLM): 124,635,456 parameters with the embedding shared
// (`share_embedding: true`, no lm_head.weight).
import { LlamaConfig } from './llama-config';

export const MOBILELLM_125M: LlamaConfig = Object.freeze({
  vocabSize: 32000,
  hiddenSize: 576,
  numLayers: 30,
  numHeads: 9,
  numKvHeads: 3,
  headDim: 64,
  intermediateSize: 1536,
  maxPositionEmbeddings: 2048,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
  initializerRange: 0.02,
  bosTokenId: 1,
  eosTokenId: 2,
  padTokenId: null,
});

/** The parameter count MobileLLM-125M's model card and config give. */
export const MOBILELLM_125M_PARAMETERS = 124_635_456;

/**
 * The tiny config of the golden fixtures in libs/model/fixtures/llama/tiny-llama (GQA, tied embeddings):
 * small enough for gradient checks and sub-second tests.
 */
export const TINY_TEST: LlamaConfig = Object.freeze({
  vocabSize: 256,
  hiddenSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  intermediateSize: 96,
  maxPositionEmbeddings: 128,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
  initializerRange: 0.1,
  bosTokenId: 1,
  eosTokenId: 2,
  padTokenId: null,
});

/**
 * The base model `cptflow run` ships (data/models/cptflow-tiny-base, pretrained by `cptflow pretrain` on
 * the bundled general corpus): MobileLLM's shape family (GQA, SwiGLU, tied embeddings, LLaMA-2 vocabulary)
 * shrunk until continued pre-training fits in minutes on two CPU cores.
 */
export const CPTFLOW_TINY: LlamaConfig = Object.freeze({
  ...MOBILELLM_125M,
  hiddenSize: 64,
  numLayers: 4,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  intermediateSize: 176,
  maxPositionEmbeddings: 512,
});

export const PRESETS: Readonly<Record<string, LlamaConfig>> = Object.freeze({
  'mobilellm-125m': MOBILELLM_125M,
  'cptflow-tiny': CPTFLOW_TINY,
  tiny: TINY_TEST,
});
