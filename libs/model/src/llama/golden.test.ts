// Parity with Hugging Face transformers (LlamaForCausalLM, torch CPU float32, eager attention) on
// the tiny GQA + tied-embedding config in fixtures/tiny-llama (see its README and generator script).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, ortTensor } from '@cptflow/onnx';
import { parameterShapes } from './architecture';
import { batchFromLabels, TokenBatch } from './batch';
import { buildLogitsGraph } from './eval-graph';
import { buildTrainGraph, gradName } from './train-graph';
import { tinyLlama, worstMismatch } from './testing/fixtures';

const fx = tinyLlama();
const RTOL = 1e-4;
// Absolute floor for entries near zero: gradients are O(1e-2..1), logits O(1).
const GRAD_ATOL = 1e-6;
const LOGIT_ATOL = 1e-5;

async function runTrainGraph(batch: TokenBatch, documentMask: boolean, recomputeLayers: boolean) {
  const a = fx.architecture;
  const graph = buildTrainGraph(a, { batch: batch.batch, seq: batch.seq, documentMask, recomputeLayers, accumulate: false });
  const session = await createSession(graph.toBytes(), { optimization: 'all' });
  const params = fx.params();
  const dims = [batch.batch, batch.seq];
  const feeds: Record<string, ReturnType<typeof ortTensor>> = {
    input_ids: ortTensor('int64', batch.inputIds, dims),
    position_ids: ortTensor('int64', batch.positionIds, dims),
    targets: ortTensor('int64', batch.targets, dims),
  };
  if (documentMask) feeds.doc_ids = ortTensor('int64', batch.docIds!, dims);
  for (const p of parameterShapes(a)) feeds[p.name] = ortTensor('float32', params.get(p.name)!, p.shape);
  const out = await session.run(feeds);
  await session.release();
  return out;
}

async function runLogits(batch: TokenBatch, documentMask: boolean) {
  const a = fx.architecture;
  const session = await createSession(buildLogitsGraph(a, { documentMask }).toBytes(), { optimization: 'all' });
  const params = fx.params();
  const dims = [batch.batch, batch.seq];
  const feeds: Record<string, ReturnType<typeof ortTensor>> = {
    input_ids: ortTensor('int64', batch.inputIds, dims),
    position_ids: ortTensor('int64', batch.positionIds, dims),
  };
  if (documentMask) feeds.doc_ids = ortTensor('int64', batch.docIds!, dims);
  for (const p of parameterShapes(a)) feeds[p.name] = ortTensor('float32', params.get(p.name)!, p.shape);
  const out = await session.run(feeds);
  await session.release();
  return out.logits.data as Float32Array;
}

function assertGradientsMatch(out: Record<string, { data: unknown }>, expected: typeof fx.expected, tokenCount: number) {
  for (const p of parameterShapes(fx.architecture)) {
    // Our graph differentiates the summed loss; HF's loss is the mean.
    const ours = Array.from(out[gradName(p.name)].data as Float32Array, (v) => v / tokenCount);
    const theirs = expected.get(`grad.${p.name}`)!.data;
    const worst = worstMismatch(ours, theirs, RTOL, GRAD_ATOL);
    assert.ok(worst.ratio <= 1, `${p.name}[${worst.index}]: ${worst.actual} vs torch ${worst.expected}`);
  }
}

const plainBatch = () => batchFromLabels(fx.batch.input_ids, fx.batch.labels);
const packedBatch = () => batchFromLabels(fx.packed.input_ids, fx.packed.labels, { positionIds: fx.packed.position_ids, docIds: fx.packed.doc_ids });

test('logits match transformers within 1e-4 relative', async () => {
  const logits = await runLogits(plainBatch(), false);
  const worst = worstMismatch(logits, fx.expected.get('logits')!.data, RTOL, LOGIT_ATOL);
  assert.ok(worst.ratio <= 1, `logits[${worst.index}]: ${worst.actual} vs ${worst.expected}`);
});

test('loss and every parameter gradient match transformers (causal attention, ignored labels)', async () => {
  for (const recomputeLayers of [false, true]) {
    const out = await runTrainGraph(plainBatch(), false, recomputeLayers);
    const tokens = Number(out.token_count.data[0]);
    assert.equal(tokens, 26, 'two rows of 15 shifted targets minus 4 ignored');
    const loss = Number(out.loss_sum.data[0]) / tokens;
    assert.ok(Math.abs(loss - fx.meta.loss) <= RTOL * fx.meta.loss, `loss ${loss} vs ${fx.meta.loss} (recompute ${recomputeLayers})`);
    assertGradientsMatch(out, fx.expected, tokens);
  }
});

test('packed documents: document mask and position reset match transformers', async () => {
  const logits = await runLogits(packedBatch(), true);
  const worstLogit = worstMismatch(logits, fx.expectedPacked.get('logits')!.data, RTOL, LOGIT_ATOL);
  assert.ok(worstLogit.ratio <= 1, `logits[${worstLogit.index}]: ${worstLogit.actual} vs ${worstLogit.expected}`);
  const out = await runTrainGraph(packedBatch(), true, true);
  const tokens = Number(out.token_count.data[0]);
  const loss = Number(out.loss_sum.data[0]) / tokens;
  assert.ok(Math.abs(loss - fx.meta.loss_packed) <= RTOL * fx.meta.loss_packed, `packed loss ${loss} vs ${fx.meta.loss_packed}`);
  assertGradientsMatch(out, fx.expectedPacked, tokens);
});
