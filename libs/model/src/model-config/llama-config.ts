// The LLaMA architecture as a Hugging Face `config.json` describes it, validated into the shape the
// engine builds from. MobileLLM's config (model_type "mobilellm", `share_embedding`) is the same
// network as LLaMA with tied embeddings, so both load here; anything the engine cannot build
// (biases, RoPE scaling, another activation) is refused with the field that caused it.

export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

export interface LlamaConfig {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly maxPositionEmbeddings: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  /** Output projection reuses model.embed_tokens.weight (no lm_head.weight tensor). */
  readonly tieWordEmbeddings: boolean;
  /** Std of the normal init HF uses for Linear and Embedding weights. */
  readonly initializerRange: number;
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly padTokenId: number | null;
}

const SUPPORTED_MODEL_TYPES = new Set(['llama', 'mobilellm']);

type Json = Record<string, unknown>;

/** Parse and validate a HF config.json (text or parsed object). `source` names it in errors. */
export function parseLlamaConfig(input: string | Json, source = 'config.json'): LlamaConfig {
  let raw: Json;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input) as Json;
    } catch (err) {
      throw new ModelConfigError(`${source}: not valid JSON (${(err as Error).message})`);
    }
  } else {
    raw = input;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ModelConfigError(`${source}: must be a JSON object`);
  }
  const fail = (field: string, why: string): never => {
    throw new ModelConfigError(`${source}: ${field} ${why}`);
  };

  const modelType = raw.model_type;
  if (modelType !== undefined && !SUPPORTED_MODEL_TYPES.has(String(modelType))) {
    fail('model_type', `is ${JSON.stringify(modelType)}; only ${[...SUPPORTED_MODEL_TYPES].join(', ')} are supported`);
  }

  const int = (field: string, fallback?: number): number => {
    const value = raw[field] ?? fallback;
    if (value === undefined) return fail(field, 'is missing');
    if (!Number.isSafeInteger(value) || (value as number) <= 0) fail(field, `must be a positive integer, got ${JSON.stringify(value)}`);
    return value as number;
  };
  const positive = (field: string, value: unknown): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      fail(field, `must be a positive number, got ${JSON.stringify(value)}`);
    }
    return value as number;
  };
  const tokenId = (field: string): number | null => {
    const value = raw[field];
    if (value === undefined || value === null) return null;
    // Some configs list several eos ids; the first is the one generation and packing use.
    const id = Array.isArray(value) ? value[0] : value;
    if (!Number.isSafeInteger(id) || id < 0) fail(field, `must be a non-negative integer, got ${JSON.stringify(value)}`);
    return id as number;
  };

  const hiddenSize = int('hidden_size');
  const numHeads = int('num_attention_heads');
  const numKvHeads = int('num_key_value_heads', numHeads);
  if (raw.head_dim == null && hiddenSize % numHeads !== 0) {
    fail('hidden_size', `(${hiddenSize}) must be divisible by num_attention_heads (${numHeads}) when head_dim is absent`);
  }
  const headDim = int('head_dim', hiddenSize / numHeads);
  if (numHeads % numKvHeads !== 0) {
    fail('num_attention_heads', `(${numHeads}) must be a multiple of num_key_value_heads (${numKvHeads}) for grouped-query attention`);
  }
  if (headDim % 2 !== 0) fail('head_dim', `(${headDim}) must be even for rotary embeddings`);

  const act = raw.hidden_act ?? 'silu';
  if (act !== 'silu') fail('hidden_act', `is ${JSON.stringify(act)}; the engine builds SwiGLU with silu only`);
  for (const flag of ['attention_bias', 'mlp_bias'] as const) {
    if (raw[flag] === true) fail(flag, 'is true; LLaMA projections without biases are the only kind supported');
  }

  const ropeTheta = readRopeTheta(raw, fail);
  const vocabSize = int('vocab_size');
  const config: LlamaConfig = {
    vocabSize,
    hiddenSize,
    numLayers: int('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    intermediateSize: int('intermediate_size'),
    maxPositionEmbeddings: int('max_position_embeddings', 2048),
    rmsNormEps: positive('rms_norm_eps', raw.rms_norm_eps ?? 1e-6),
    ropeTheta,
    // MobileLLM says share_embedding; LLaMA says tie_word_embeddings. HF's LlamaConfig defaults to untied.
    tieWordEmbeddings: raw.share_embedding === true || raw.tie_word_embeddings === true,
    initializerRange: positive('initializer_range', raw.initializer_range ?? 0.02),
    bosTokenId: tokenId('bos_token_id'),
    eosTokenId: tokenId('eos_token_id'),
    padTokenId: tokenId('pad_token_id'),
  };
  for (const field of ['bosTokenId', 'eosTokenId', 'padTokenId'] as const) {
    const id = config[field];
    if (id !== null && id >= vocabSize) fail(field, `(${id}) is outside the vocabulary of ${vocabSize}`);
  }
  return config;
}

function readRopeTheta(raw: Json, fail: (field: string, why: string) => never): number {
  // transformers >= 5 nests RoPE settings in rope_parameters; older configs (MobileLLM) use
  // top-level rope_theta and rope_scaling.
  const params = raw.rope_parameters as Json | undefined | null;
  const scaling = (params ?? raw.rope_scaling) as Json | undefined | null;
  const ropeType = scaling?.rope_type ?? scaling?.type;
  if (ropeType !== undefined && ropeType !== 'default') {
    fail(params ? 'rope_parameters.rope_type' : 'rope_scaling', `is ${JSON.stringify(ropeType)}; only unscaled RoPE is supported`);
  }
  const theta = params?.rope_theta ?? raw.rope_theta ?? 10000;
  if (typeof theta !== 'number' || !Number.isFinite(theta) || theta <= 0) {
    fail('rope_theta', `must be a positive number, got ${JSON.stringify(theta)}`);
  }
  return theta as number;
}

/**
 * A config.json that `transformers` (4.x and 5.x) loads as LlamaForCausalLM with the same network,
 * for checkpoint exports. MobileLLM's share_embedding becomes tie_word_embeddings.
 */
export function toHfConfigJson(config: LlamaConfig): Json {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    head_dim: config.headDim,
    intermediate_size: config.intermediateSize,
    max_position_embeddings: config.maxPositionEmbeddings,
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling: null,
    hidden_act: 'silu',
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    tie_word_embeddings: config.tieWordEmbeddings,
    initializer_range: config.initializerRange,
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenId,
    pad_token_id: config.padTokenId,
    torch_dtype: 'float32',
  };
}
