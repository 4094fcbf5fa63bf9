// The scored positions' log-probabilities (scoring-graph.ts scoredLogprobs): float32 exponentials,
// summed in 128-entry blocks, the block sums in float64. In plain float32, ONNX Runtime's
// log-softmax over a 32k vocabulary drifts by up to ~1e-5 per token, ~2e-4 summed over a 10-13
// token continuation. Checked on the HellaSwag and PIQA goldens' requests (their token ids and
// continuation lengths), with logits spread like a trained model's (the random fixture model's
// logits sit near 0, where float32 loses little), against a float64 log-softmax of the very same
// float32 logits computed here in plain JS. The float32 variant of the same graph must miss the
// bound, so the check can fail; a vocabulary that is not a multiple of the block takes the same
// care; and the whole engine stays within 2e-5 of libs/evaluation/src/eval's float64 FixtureLlama
// on those goldens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildRequests, builtinTasks, encodeRequests, EncodedRequest, loadTaskDocs, scoreRequests } from '../eval';
import { FixtureLlama, fixturesDir, float64Logprobs, trainedLikeLogits } from '../eval/testing';
import { createSession, GraphBuilder, ortTensor, run } from '@cptflow/onnx';
import { loadHfTokenizer } from '@cptflow/model';
import { OnnxLogLikelihoodModel } from './onnx-model';
import { scoredLogprobs } from './scoring-graph';

const TOLERANCE = 2e-5;
const VOCAB = 32_000;

async function goldenRequests(name: string): Promise<EncodedRequest[]> {
  const modelDir = path.join(fixturesDir(), 'model');
  const tokenizer = await loadHfTokenizer(modelDir);
  const task = builtinTasks().get(name)!;
  const docs = await loadTaskDocs(path.join(fixturesDir(), 'data'), task);
  return encodeRequests(tokenizer, buildRequests(task, docs.evalDocs).flatMap((d) => d.requests));
}

type Method = 'blocked' | 'float32';

async function graphLogprobs(logits: Float32Array, targets: readonly number[], method: Method, vocab = VOCAB): Promise<number[]> {
  const g = new GraphBuilder('scored_logprobs');
  const x = g.input('logits', 'float32', ['scored', vocab]);
  const t = g.input('targets', 'int64', ['scored', 1]);
  g.output(scoredLogprobs(x, t, method), 'logprob');
  const session = await createSession(g.toBytes());
  try {
    const out = await run(session, {
      logits: ortTensor('float32', logits, [targets.length, vocab]),
      targets: ortTensor('int64', BigInt64Array.from(targets.map(BigInt)), [targets.length, 1]),
    });
    return [...(out.logprob.data as Float64Array | Float32Array)];
  } finally {
    await session.release();
  }
}

/** Largest |Σ per-request error| over the requests' continuations. */
async function worstRequestError(requests: readonly EncodedRequest[], method: Method): Promise<{ worst: number; longest: number }> {
  let worst = 0;
  let longest = 0;
  for (const [i, r] of requests.entries()) {
    const targets = r.continuationIds;
    const logits = trainedLikeLogits(targets, VOCAB, i);
    const ours = await graphLogprobs(logits, targets, method);
    const reference = float64Logprobs(logits, targets, VOCAB);
    let error = 0;
    ours.forEach((lp, k) => (error += lp - reference[k]));
    worst = Math.max(worst, Math.abs(error));
    longest = Math.max(longest, targets.length);
  }
  return { worst, longest };
}

describe('scoring numerics against a float64 reference', () => {
  for (const name of ['hellaswag', 'piqa']) {
    it(`${name} goldens: the blocked log-sum-exp stays within ${TOLERANCE} of float64 per request; float32 does not`, async (t) => {
      const requests = await goldenRequests(name);
      const blocked = await worstRequestError(requests, 'blocked');
      const f32 = await worstRequestError(requests, 'float32');
      t.diagnostic(`largest |Δ| per request: blocked ${blocked.worst.toExponential(2)}, float32 ${f32.worst.toExponential(2)}`);
      assert.ok(blocked.longest >= 10, `the goldens have 10+ token continuations (longest ${blocked.longest})`);
      assert.ok(blocked.worst < TOLERANCE, `blocked log-sum-exp: largest |Δ| ${blocked.worst.toExponential(2)} over ${requests.length} requests`);
      assert.ok(f32.worst > TOLERANCE, `float32 log-softmax misses the bound (largest |Δ| ${f32.worst.toExponential(2)}), so this check can fail`);
    });
  }

  it('a vocabulary that is not a multiple of the 128-entry block (GPT-2\'s 50,257): every token within 1e-6 of float64', async (t) => {
    const vocab = 50_257;
    const targets = Array.from({ length: 48 }, (_, i) => (i * 7_919 + (i % 3) * 25_000) % vocab);
    targets[0] = vocab - 1; // in the remainder past the last whole block
    const logits = trainedLikeLogits(targets, vocab, 99);
    const ours = await graphLogprobs(logits, targets, 'blocked', vocab);
    const reference = float64Logprobs(logits, targets, vocab);
    const worst = Math.max(...ours.map((lp, i) => Math.abs(lp - reference[i])));
    t.diagnostic(`largest |Δ| per token ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-6, `largest |Δ| per token ${worst.toExponential(2)}`);
  });
});

describe('the engine against the float64 fixture forward', () => {
  let model: OnnxLogLikelihoodModel;
  before(async () => {
    model = await OnnxLogLikelihoodModel.fromDir(path.join(fixturesDir(), 'model'), { intraOpNumThreads: 2 });
  });
  after(async () => {
    await model.close();
  });

  for (const name of ['hellaswag', 'piqa']) {
    it(`${name} goldens: every request's log-likelihood within ${TOLERANCE} of FixtureLlama (float64 throughout)`, async () => {
      const requests = await goldenRequests(name);
      const ours = await scoreRequests(model, requests, { batchSize: 16 });
      const reference = await scoreRequests(new FixtureLlama(path.join(fixturesDir(), 'model')), requests, { batchSize: 16 });
      const worst = Math.max(...requests.map((_, i) => Math.abs(ours[i].logprob - reference[i].logprob)));
      assert.ok(worst < TOLERANCE, `largest |Δ log-likelihood| ${worst.toExponential(2)} over ${requests.length} requests`);
    });
  }
});
