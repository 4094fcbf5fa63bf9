// The forward graph the evaluator runs: a padded batch of token rows in, and for a list of scored
// positions (row, position, target token) the target's log-probability and whether it is the
// arg-max. Only the scored positions go through the output projection and log-softmax: for a
// LLaMA-2 vocabulary that head is the largest matrix in a small model, and a request scores a
// handful of continuation tokens out of its whole context.
import {
  add,
  and,
  cast,
  equal,
  encodeModelProto,
  exp,
  gather,
  gatherElements,
  GraphBuilder,
  greaterOrEqual,
  log,
  logSoftmax,
  range,
  reduceMax,
  reduceSum,
  reshape,
  shapeOf,
  slice,
  squeeze,
  sub,
  Tensor,
  unsqueeze,
  where,
  ModelProtoObject,
} from '@cptflow/onnx';
import { declareParameters, declareTokenInputs, LlamaArchitecture, linear, llamaFinalHidden, outputProjection, parameterShapes } from '@cptflow/model';

/**
 * Row-layout causal mask restricted to branches: query i may attend key j when j is at or before i
 * in the row and j is context (branch 0) or in i's own branch. Additive, [batch, 1, 1, seq, seq].
 */
function branchAttentionBias(branchIds: Tensor): Tensor {
  const g = branchIds.graph;
  const seq = branchIds.shape[1];
  const seqLen = gather(shapeOf(branchIds), g.scalar(1, 'int64'));
  const layout = range(g.scalar(0, 'int64'), seqLen, g.scalar(1, 'int64'), seq);
  const causal = greaterOrEqual(unsqueeze(layout, [1]), unsqueeze(layout, [0])); // [seq, seq]
  const queryBranch = unsqueeze(branchIds, [2]); // [batch, seq, 1]
  const keyBranch = unsqueeze(branchIds, [1]); // [batch, 1, seq]
  const [visibleKey] = g.node('Or', [equal(queryBranch, keyBranch), equal(keyBranch, 0)], {
    outputs: [{ dtype: 'bool', shape: [branchIds.shape[0], seq, seq] }],
  });
  // float32's most negative finite value, as libs/model/src/llama's causal bias: exp() of it underflows to 0
  const bias = where(and(causal, visibleKey), 0, g.scalar(-3.4028234663852886e38, 'float32'));
  return unsqueeze(bias, [1, 2]);
}

/**
 * log p(target) at each scored position from its logits [scored, vocab] and targets [scored, 1], as
 * logit[target] − log Σ exp(logits), float64 where it matters and float32 where it is fast:
 * - `blocked` (the default): shifted by the row's max, exponentiated in float32 (ORT's vectorised
 *   Exp), summed in float32 over blocks of 128 vocabulary entries and the block sums in float64.
 *   Within ~4e-7 of a float64 log-softmax per token (scoring-precision.test.ts). A float64
 *   log-softmax is as exact but its scalar Exp over [scored, vocab] took over half of held-out
 *   perplexity's time, where every token is scored.
 * - `float64`: ONNX LogSoftmax of the logits cast to float64 (the default before `blocked`); the
 *   baseline bench/scored-logprobs.ts times `blocked` against.
 * - `float32`: ONNX LogSoftmax in float32. Its sequential sum over a 32k vocabulary drifts by up
 *   to ~1e-5 per token, ~2e-4 over a 10-13 token continuation; the precision test's contrast.
 */
export type LogprobMethod = 'blocked' | 'float64' | 'float32';

export function scoredLogprobs(logits: Tensor, targets: Tensor, method: LogprobMethod = 'blocked'): Tensor {
  if (method !== 'blocked') return squeeze(gatherElements(logSoftmax(cast(logits, method), -1), targets, -1), [-1]);
  const max = reduceMax(logits, [-1], true);
  const target = sub(cast(gatherElements(logits, targets, -1), 'float64'), cast(max, 'float64'));
  return squeeze(sub(target, log(blockedSum(exp(sub(logits, max))))), [-1]);
}

const SUM_BLOCK = 128;

/** Σ over the last axis of [rows, n] float32 as [rows, 1] float64: float32 within blocks of 128, float64 across them. */
function blockedSum(x: Tensor): Tensor {
  const n = x.shape[1];
  if (typeof n !== 'number') throw new Error(`blockedSum needs a static last axis, got [${x.shape}]`);
  const whole = n - (n % SUM_BLOCK);
  const parts: Tensor[] = [];
  if (whole > 0) {
    const blocks = reshape(whole === n ? x : slice(x, [1], [0], [whole]), [x.shape[0], whole / SUM_BLOCK, SUM_BLOCK]);
    parts.push(reduceSum(cast(reduceSum(blocks, [2]), 'float64'), [1], true));
  }
  if (whole < n) parts.push(cast(reduceSum(slice(x, [1], [whole], [n]), [1], true), 'float64'));
  return parts.length === 1 ? parts[0] : add(parts[0], parts[1]);
}

/**
 * Inputs: `input_ids`, `position_ids` [batch, seq] int64; `branch_ids` [batch, seq] int64 — 0 for
 * the shared context, b ≥ 1 for the tokens of branch b, -1 for padding (see batch-plan.ts);
 * `score_index` [scored] int64 — flat
 * row * seq + position of each scored position; `score_target` [scored] int64 — the token whose
 * probability is read there. Outputs: `logprob` [scored] float64, `is_greedy` [scored] bool.
 */
export function buildScoringGraph(a: LlamaArchitecture): GraphBuilder {
  const g = new GraphBuilder('cptflow_eval_scoring');
  const params = declareParameters(g, a, 'float32');
  const inputs = declareTokenInputs(g, { batch: 'batch', seq: 'seq', documentMask: false });
  const branchIds = g.input('branch_ids', 'int64', ['batch', 'seq']);
  inputs.attentionBias = branchAttentionBias(branchIds);
  const scoreIndex = g.input('score_index', 'int64', ['scored']);
  const scoreTarget = g.input('score_target', 'int64', ['scored']);

  const hidden = llamaFinalHidden(a, params, inputs, 'float32');
  const flat = reshape(hidden, [-1, a.hiddenSize]);
  const picked = gather(flat, scoreIndex, 0); // [scored, hidden]
  const logits = linear(picked, outputProjection(a, params)); // [scored, vocab]
  const targets = unsqueeze(scoreTarget, [-1]);
  g.output(scoredLogprobs(logits, targets), 'logprob');
  const [argmax] = g.node('ArgMax', [logits], {
    attrs: { axis: { kind: 'int', value: -1 }, keepdims: { kind: 'int', value: 1 } },
    outputs: [{ dtype: 'int64', shape: ['scored', 1] }],
  });
  const [greedy] = g.node('Equal', [argmax, targets], { outputs: [{ dtype: 'bool', shape: ['scored', 1] }] });
  g.output(squeeze(greedy, [-1]), 'is_greedy');
  return g;
}

/**
 * Serialises the scoring graph with the weights baked in as initializers. The worker then holds
 * the weights once, inside its session, instead of receiving them with every batch.
 */
export function scoringModelBytes(a: LlamaArchitecture, weights: ReadonlyMap<string, Float32Array>): Uint8Array {
  const proto: ModelProtoObject = buildScoringGraph(a).toModelProto();
  const parameterNames = new Set<string>();
  for (const p of parameterShapes(a)) {
    const data = weights.get(p.name);
    if (!data) throw new Error(`weights lack ${p.name}`);
    const expected = p.shape.reduce((x, y) => x * y, 1);
    if (data.length !== expected) throw new Error(`${p.name}: ${data.length} values, expected ${expected} for shape [${p.shape}]`);
    parameterNames.add(p.name);
    proto.graph.initializer.push({ name: p.name, dims: [...p.shape], dataType: 1, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  proto.graph.input = proto.graph.input.filter((i) => !parameterNames.has(i.name));
  return encodeModelProto(proto);
}
