import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSession, ortTensor } from '@cptflow/onnx';
import { parameterShapes } from './architecture';
import { batchFromLabels } from './batch';
import { buildLogProbGraph } from './eval-graph';
import { tinyLlama } from './testing/fixtures';

test('per-token log-probabilities equal log_softmax of the reference logits at the targets, for any batch/sequence size', async () => {
  const fx = tinyLlama();
  const a = fx.architecture;
  const session = await createSession(buildLogProbGraph(a).toBytes(), { optimization: 'all' });
  const params = fx.params();
  const logits = fx.expected.get('logits')!.data;
  const V = a.vocabSize;
  for (const seq of [16, 9]) {
    // The prefix of length 9 must score like the first 9 positions of the full row (causality).
    const ids = [fx.batch.input_ids[1].slice(0, seq)];
    const batch = batchFromLabels(ids);
    const feeds: Record<string, ReturnType<typeof ortTensor>> = {
      input_ids: ortTensor('int64', batch.inputIds, [1, seq]),
      position_ids: ortTensor('int64', batch.positionIds, [1, seq]),
      targets: ortTensor('int64', batch.targets, [1, seq]),
    };
    for (const p of parameterShapes(a)) feeds[p.name] = ortTensor('float32', params.get(p.name)!, p.shape);
    const out = await session.run(feeds);
    const lp = out.token_logprobs.data as Float32Array;
    const greedy = out.is_greedy.data as Uint8Array;
    for (let t = 0; t < seq - 1; t++) {
      const row = logits.subarray((16 + t) * V, (16 + t + 1) * V); // batch row 1 of the [2,16,V] reference
      const max = Math.max(...row);
      const logZ = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      const target = Number(batch.targets[t]);
      assert.ok(Math.abs(lp[t] - (row[target] - logZ)) <= 1e-4, `seq ${seq} t ${t}: ${lp[t]} vs ${row[target] - logZ}`);
      assert.equal(Boolean(greedy[t]), row[target] === max, `is_greedy at ${t}`);
    }
    assert.ok(lp[seq - 1] === 0, 'the ignored last position contributes 0');
  }
  await session.release();
});
