// What the graph builders need to know about a LLaMA model. Field names match libs/model-config's
// LlamaConfig, so a parsed HF config.json from there can be passed straight in; the small parser
// below exists for this lib's own tests and benchmarks.

export interface LlamaArchitecture {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly intermediateSize: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  /** Logits use model.embed_tokens.weight (`tie_word_embeddings`, or MobileLLM's `share_embedding`). */
  readonly tieWordEmbeddings: boolean;
}

/** Reads the fields above from a HF config.json object (transformers 4 and 5 spellings). */
export function architectureFromHfConfig(json: Record<string, unknown>): LlamaArchitecture {
  const num = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback;
    if (typeof v !== 'number') throw new Error(`config.json: ${key} missing or not a number`);
    return v;
  };
  const hiddenSize = num('hidden_size');
  const numHeads = num('num_attention_heads');
  const rope = json.rope_parameters as { rope_theta?: number } | undefined;
  return {
    vocabSize: num('vocab_size'),
    hiddenSize,
    numLayers: num('num_hidden_layers'),
    numHeads,
    numKvHeads: num('num_key_value_heads', numHeads),
    headDim: num('head_dim', hiddenSize / numHeads),
    intermediateSize: num('intermediate_size'),
    rmsNormEps: num('rms_norm_eps', 1e-6),
    ropeTheta: rope?.rope_theta ?? num('rope_theta', 10000),
    tieWordEmbeddings: Boolean(json.tie_word_embeddings ?? json.share_embedding ?? false),
  };
}

/** facebook/MobileLLM-125M's shapes (config.json of the release). */
export const MOBILELLM_125M: LlamaArchitecture = {
  vocabSize: 32000,
  hiddenSize: 576,
  numLayers: 30,
  numHeads: 9,
  numKvHeads: 3,
  headDim: 64,
  intermediateSize: 1536,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
};

export interface ParameterShape {
  /** HF tensor name, e.g. model.layers.3.self_attn.k_proj.weight */
  readonly name: string;
  readonly shape: readonly number[];
}

/** Every trainable tensor under its HF name, in HF registration order. */
export function parameterShapes(a: LlamaArchitecture): ParameterShape[] {
  const h = a.hiddenSize;
  const q = a.numHeads * a.headDim;
  const kv = a.numKvHeads * a.headDim;
  const out: ParameterShape[] = [{ name: 'model.embed_tokens.weight', shape: [a.vocabSize, h] }];
  for (let i = 0; i < a.numLayers; i++) {
    const p = `model.layers.${i}`;
    out.push(
      { name: `${p}.self_attn.q_proj.weight`, shape: [q, h] },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kv, h] },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kv, h] },
      { name: `${p}.self_attn.o_proj.weight`, shape: [h, q] },
      { name: `${p}.mlp.gate_proj.weight`, shape: [a.intermediateSize, h] },
      { name: `${p}.mlp.up_proj.weight`, shape: [a.intermediateSize, h] },
      { name: `${p}.mlp.down_proj.weight`, shape: [h, a.intermediateSize] },
      { name: `${p}.input_layernorm.weight`, shape: [h] },
      { name: `${p}.post_attention_layernorm.weight`, shape: [h] },
    );
  }
  out.push({ name: 'model.norm.weight', shape: [h] });
  if (!a.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [a.vocabSize, h] });
  return out;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}
