// The LLaMA building blocks as graph code. Each reads like the HF modeling_llama forward it mirrors;
// their gradients come from autodiff over these ops.
import {
  add, cast, concat, equal, gather, greaterOrEqual, and, matmul, mul, range, reciprocal, reduceMean,
  reshape, shapeOf, silu, softmax, split, sqrt, Tensor, transpose, unsqueeze, where, neg, cos, sin, Dim,
} from '@cptflow/onnx';
import { LlamaArchitecture } from './architecture';

/** x · Wᵀ for a PyTorch-layout Linear weight W [out, in]. */
export function linear(x: Tensor, weight: Tensor): Tensor {
  return matmul(x, transpose(weight, [1, 0]));
}

/** RMSNorm: w ⊙ x / sqrt(mean(x²) + eps) over the last axis. */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  const meanSquare = reduceMean(mul(x, x), [-1], true);
  return mul(weight, mul(x, reciprocal(sqrt(add(meanSquare, eps)))));
}

export interface RopeTables {
  /** [batch, 1, 1, seq, headDim], broadcasting over (kv head, group) axes. */
  cos: Tensor;
  sin: Tensor;
}

/**
 * cos/sin of position·θ_i with θ_i = theta^(−2i/d), duplicated over both halves of the head as HF's
 * rotate_half convention expects. Positions come from position_ids, so they may restart per document.
 */
export function ropeTables(positionIds: Tensor, a: LlamaArchitecture, dtype: 'float32' | 'float64'): RopeTables {
  const half = a.headDim / 2;
  // HF computes inv_freq in float32; rounding it the same way keeps long positions in step.
  const invFreq = Array.from({ length: half }, (_, i) => 1 / Math.pow(a.ropeTheta, (2 * i) / a.headDim));
  const freqValues = dtype === 'float32' ? Float32Array.from(invFreq) : Float64Array.from(invFreq);
  const freqs = mul(unsqueeze(cast(positionIds, dtype), [-1]), positionIds.graph.constant(dtype, [half], freqValues, 'inv_freq'));
  const angles = unsqueeze(concat([freqs, freqs], -1), [1, 2]);
  return { cos: cos(angles), sin: sin(angles) };
}

/** x·cos + rotate_half(x)·sin, rotate_half([x1, x2]) = [−x2, x1] over the head dim. */
export function applyRope(x: Tensor, rope: RopeTables): Tensor {
  const d = x.shape[x.rank - 1] as number;
  const [x1, x2] = split(x, [d / 2, d / 2], -1);
  return add(mul(x, rope.cos), mul(concat([neg(x2), x1], -1), rope.sin));
}

/**
 * Additive attention bias [batch, 1, 1, seq, seq]: 0 where query i may attend key j (j ≤ i, and the
 * same document when document ids are given), a large negative number elsewhere.
 */
export function attentionBias(inputIds: Tensor, docIds: Tensor | undefined, dtype: 'float32' | 'float64'): Tensor {
  const g = inputIds.graph;
  const seq = inputIds.shape[1];
  const seqLen = gather(shapeOf(inputIds), g.scalar(1, 'int64'));
  const positions = range(g.scalar(0, 'int64'), seqLen, g.scalar(1, 'int64'), seq);
  let allowed = greaterOrEqual(unsqueeze(positions, [1]), unsqueeze(positions, [0])); // [seq, seq]
  if (docIds) allowed = and(allowed, equal(unsqueeze(docIds, [2]), unsqueeze(docIds, [1]))); // [batch, seq, seq]
  // float32's most negative finite value, as HF's eager mask uses: exp() of it underflows to 0.
  const blocked = dtype === 'float32' ? -3.4028234663852886e38 : -1e300;
  const bias = where(allowed, 0, g.scalar(blocked, dtype));
  return docIds ? unsqueeze(bias, [1, 2]) : unsqueeze(bias, [0, 1, 2]);
}

export interface AttentionWeights {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  o: Tensor;
}

/**
 * Causal grouped-query attention. Query heads are laid out [batch, kvHeads, group, seq, headDim]
 * and keys/values [batch, kvHeads, 1, seq, headDim], so MatMul broadcasting shares each KV head with
 * its group without materialising repeated K/V (query head h uses KV head h / group, as HF's repeat_kv).
 */
export function attention(x: Tensor, w: AttentionWeights, rope: RopeTables, bias: Tensor, a: LlamaArchitecture): Tensor {
  const [batch, seq] = x.shape as Dim[];
  const group = a.numHeads / a.numKvHeads;
  const heads = (t: Tensor, groupSize: number) =>
    transpose(reshape(t, [batch, seq, a.numKvHeads, groupSize, a.headDim]), [0, 2, 3, 1, 4]);
  const q = applyRope(heads(linear(x, w.q), group), rope);
  const k = applyRope(heads(linear(x, w.k), 1), rope);
  const v = heads(linear(x, w.v), 1);
  const scores = add(mul(matmul(q, transpose(k, [0, 1, 2, 4, 3])), 1 / Math.sqrt(a.headDim)), bias);
  const context = matmul(softmax(scores, -1), v); // [batch, kvHeads, group, seq, headDim]
  const merged = reshape(transpose(context, [0, 3, 1, 2, 4]), [batch, seq, a.numHeads * a.headDim]);
  return linear(merged, w.o);
}

/** SwiGLU MLP: down(silu(gate(x)) ⊙ up(x)). */
export function swiGlu(x: Tensor, gate: Tensor, up: Tensor, down: Tensor): Tensor {
  return linear(mul(silu(linear(x, gate)), linear(x, up)), down);
}
