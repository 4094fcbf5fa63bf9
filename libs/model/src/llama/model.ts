// The LLaMA forward pass: token embedding → N × (pre-norm attention + pre-norm SwiGLU, each
// residual) → final RMSNorm → logits through the (tied) output projection. Parameters are graph
// inputs named by their HF tensor names.
import { gather, GraphBuilder, Tensor, add, Dim } from '@cptflow/onnx';
import { LlamaArchitecture, parameterShapes } from './architecture';
import { attention, attentionBias, linear, rmsNorm, ropeTables, swiGlu } from './layers';

export type FloatType = 'float32' | 'float64';

export interface TokenInputs {
  /** [batch, seq] int64 token ids. */
  inputIds: Tensor;
  /** [batch, seq] int64 RoPE positions (restarting per document when packing resets them). */
  positionIds: Tensor;
  /** [batch, seq] int64 document index of each token; attention stays inside a document. */
  docIds?: Tensor;
  /**
   * Additive attention bias [batch, 1, 1, seq, seq] (0 = may attend, very negative = may not) used
   * instead of the causal / document bias; e.g. evaluation packs several continuations of one
   * context into a row, each seeing the context and itself only.
   */
  attentionBias?: Tensor;
}

/** Declares every parameter as a graph input under its HF name. */
export function declareParameters(g: GraphBuilder, a: LlamaArchitecture, dtype: FloatType): Map<string, Tensor> {
  return new Map(parameterShapes(a).map((p) => [p.name, g.input(p.name, dtype, p.shape)]));
}

export interface TokenInputOptions {
  batch: Dim;
  seq: Dim;
  documentMask: boolean;
}

export function declareTokenInputs(g: GraphBuilder, o: TokenInputOptions): TokenInputs {
  return {
    inputIds: g.input('input_ids', 'int64', [o.batch, o.seq]),
    positionIds: g.input('position_ids', 'int64', [o.batch, o.seq]),
    docIds: o.documentMask ? g.input('doc_ids', 'int64', [o.batch, o.seq]) : undefined,
  };
}

/**
 * Builds the forward pass; returns logits [batch, seq, vocab]. Each decoder layer is recorded as a
 * graph segment named `layer.<i>`, the unit gradient checkpointing recomputes.
 */
export function llamaLogits(a: LlamaArchitecture, params: Map<string, Tensor>, inputs: TokenInputs, dtype: FloatType): Tensor {
  return linear(llamaFinalHidden(a, params, inputs, dtype), outputProjection(a, params));
}

/** The output projection's weight: the embedding when tied, else lm_head.weight. */
export function outputProjection(a: LlamaArchitecture, params: Map<string, Tensor>): Tensor {
  const head = params.get(a.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
  if (!head) throw new Error(`missing parameter ${a.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'}`);
  return head;
}

/**
 * The forward pass up to the final RMSNorm: hidden states [batch, seq, hidden] before the output
 * projection, so evaluation can project only the positions it scores.
 */
export function llamaFinalHidden(a: LlamaArchitecture, params: Map<string, Tensor>, inputs: TokenInputs, dtype: FloatType): Tensor {
  const p = (name: string) => {
    const t = params.get(name);
    if (!t) throw new Error(`missing parameter ${name}`);
    return t;
  };
  const g = inputs.inputIds.graph;
  const embedding = p('model.embed_tokens.weight');
  const rope = ropeTables(inputs.positionIds, a, dtype);
  const bias = inputs.attentionBias ?? attentionBias(inputs.inputIds, inputs.docIds, dtype);

  let h = gather(embedding, inputs.inputIds, 0);
  for (let i = 0; i < a.numLayers; i++) {
    const l = `model.layers.${i}`;
    h = g.segment(`layer.${i}`, () => {
      const attended = attention(
        rmsNorm(h, p(`${l}.input_layernorm.weight`), a.rmsNormEps),
        { q: p(`${l}.self_attn.q_proj.weight`), k: p(`${l}.self_attn.k_proj.weight`), v: p(`${l}.self_attn.v_proj.weight`), o: p(`${l}.self_attn.o_proj.weight`) },
        rope,
        bias,
        a,
      );
      const afterAttention = add(h, attended);
      const normed = rmsNorm(afterAttention, p(`${l}.post_attention_layernorm.weight`), a.rmsNormEps);
      return add(afterAttention, swiGlu(normed, p(`${l}.mlp.gate_proj.weight`), p(`${l}.mlp.up_proj.weight`), p(`${l}.mlp.down_proj.weight`)));
    });
  }
  return rmsNorm(h, p('model.norm.weight'), a.rmsNormEps);
}
