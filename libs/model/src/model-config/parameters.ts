// The model's parameters by their Hugging Face names, in the order HF's LlamaForCausalLM registers
// them, with shapes, whether AdamW should decay them, and how HF initialises them.
import { LlamaConfig } from './llama-config';

export type ParameterKind = 'embedding' | 'linear' | 'norm';

export interface ParameterSpec {
  readonly name: string;
  /** [out_features, in_features] for projections, as torch stores nn.Linear weights. */
  readonly shape: readonly number[];
  readonly kind: ParameterKind;
  readonly layer: number | null;
}

/** The fields of a config that decide the tensors' names and shapes (all a graph builder needs). */
export type LlamaShapes = Pick<
  LlamaConfig,
  'vocabSize' | 'hiddenSize' | 'numLayers' | 'numHeads' | 'numKvHeads' | 'headDim' | 'intermediateSize' | 'rmsNormEps' | 'ropeTheta' | 'tieWordEmbeddings'
>;

export function parameterSpecs(config: LlamaShapes): ParameterSpec[] {
  const { hiddenSize: d, numHeads, numKvHeads, headDim, intermediateSize: ff, vocabSize } = config;
  const specs: ParameterSpec[] = [{ name: 'model.embed_tokens.weight', shape: [vocabSize, d], kind: 'embedding', layer: null }];
  for (let i = 0; i < config.numLayers; i++) {
    const p = `model.layers.${i}`;
    const linear = (name: string, outF: number, inF: number): ParameterSpec => ({ name: `${p}.${name}`, shape: [outF, inF], kind: 'linear', layer: i });
    specs.push(
      linear('self_attn.q_proj.weight', numHeads * headDim, d),
      linear('self_attn.k_proj.weight', numKvHeads * headDim, d),
      linear('self_attn.v_proj.weight', numKvHeads * headDim, d),
      linear('self_attn.o_proj.weight', d, numHeads * headDim),
      linear('mlp.gate_proj.weight', ff, d),
      linear('mlp.up_proj.weight', ff, d),
      linear('mlp.down_proj.weight', d, ff),
      { name: `${p}.input_layernorm.weight`, shape: [d], kind: 'norm', layer: i },
      { name: `${p}.post_attention_layernorm.weight`, shape: [d], kind: 'norm', layer: i },
    );
  }
  specs.push({ name: 'model.norm.weight', shape: [d], kind: 'norm', layer: null });
  if (!config.tieWordEmbeddings) specs.push({ name: 'lm_head.weight', shape: [vocabSize, d], kind: 'linear', layer: null });
  return specs;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Number of distinct parameters (a tied embedding counts once, as HF's num_parameters() does). */
export function parameterCount(config: LlamaShapes): number {
  return parameterSpecs(config).reduce((sum, s) => sum + elementCount(s.shape), 0);
}

/**
 * The common AdamW grouping: decay matrices (projections and embeddings), not 1-D RMSNorm weights.
 * It is the grouping the golden fixture's optimizer uses (libs/model/fixtures/llama/tiny-llama).
 */
export function decaysByDefault(spec: ParameterSpec): boolean {
  return spec.shape.length >= 2;
}
