// The scored positions' log-softmax runs in float64 (scoring-graph.ts scoredLogprobs). In float32,
// ONNX Runtime's log-sum-exp over a 32k vocabulary drifts by up to ~1e-5 per token, ~2e-4 summed
// over a 10-13 token continuation. Checked on the HellaSwag and PIQA goldens' requests (their token
// ids and continuation lengths), with logits spread like a trained model's (the random fixture
// model's logits sit near 0, where float32 loses little), against a float64 log-softmax of the very
// same float32 logits computed here in plain JS. The float32 variant of the same graph must miss the
// bound, so the check can fail; and the whole engine stays within 2e-5 of libs/evaluation/src/eval's float64
// FixtureLlama on those goldens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildRequests, builtinTasks, encodeRequests, EncodedRequest, loadTaskDocs, scoreRequests } from '../eval';
import { FixtureLlama } from '../eval/testing';
import { fixturesDir } from '../eval/testing';
import { createSession, GraphBuilder, ortTensor, run } from '@cptflow/onnx';
import { seededUniform } from '@cptflow/pycompat';
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

/** Logits spread like a trained LM's: N(0, 4) over the vocabulary, the target ~6 above the crowd. */
function trainedLikeLogits(targets: readonly number[], seed: number): Float32Array {
  const uniform = seededUniform(seed, 'scoring-precision');
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  const logits = new Float32Array(targets.length * VOCAB);
  targets.forEach((t, row) => {
    for (let v = 0; v < VOCAB; v++) logits[row * VOCAB + v] = 4 * normal();
    logits[row * VOCAB + t] = 6 + 4 * normal();
  });
  return logits;
}

/** log p(target) per row in float64 from the float32 logits. */
function float64Logprobs(logits: Float32Array, targets: readonly number[]): number[] {
  return targets.map((t, row) => {
    let max = -Infinity;
    for (let v = 0; v < VOCAB; v++) max = Math.max(max, logits[row * VOCAB + v]);
    let sum = 0;
    for (let v = 0; v < VOCAB; v++) sum += Math.exp(logits[row * VOCAB + v] - max);
    return logits[row * VOCAB + t] - max - Math.log(sum);
  });
}

async function graphLogprobs(logits: Float32Array, targets: readonly number[], dtype: 'float64' | 'float32'): Promise<number[]> {
  const g = new GraphBuilder('scored_logprobs');
  const x = g.input('logits', 'float32', ['scored', VOCAB]);
  const t = g.input('targets', 'int64', ['scored', 1]);
  g.output(scoredLogprobs(x, t, dtype), 'logprob');
  const session = await createSession(g.toBytes());
  try {
    const out = await run(session, {
      logits: ortTensor('float32', logits, [targets.length, VOCAB]),
      targets: ortTensor('int64', BigInt64Array.from(targets.map(BigInt)), [targets.length, 1]),
    });
    return [...(out.logprob.data as Float64Array | Float32Array)];
  } finally {
    await session.release();
  }
}

/** Largest |Σ per-request error| over the requests' continuations. */
async function worstRequestError(requests: readonly EncodedRequest[], dtype: 'float64' | 'float32'): Promise<{ worst: number; longest: number }> {
  let worst = 0;
  let longest = 0;
  for (const [i, r] of requests.entries()) {
    const targets = r.continuationIds;
    const logits = trainedLikeLogits(targets, i);
    const ours = await graphLogprobs(logits, targets, dtype);
    const reference = float64Logprobs(logits, targets);
    let error = 0;
    ours.forEach((lp, k) => (error += lp - reference[k]));
    worst = Math.max(worst, Math.abs(error));
    longest = Math.max(longest, targets.length);
  }
  return { worst, longest };
}

describe('scoring numerics against a float64 reference', () => {
  for (const name of ['hellaswag', 'piqa']) {
    it(`${name} goldens: the float64 log-softmax stays within ${TOLERANCE} of float64 per request; float32 does not`, async () => {
      const requests = await goldenRequests(name);
      const f64 = await worstRequestError(requests, 'float64');
      const f32 = await worstRequestError(requests, 'float32');
      assert.ok(f64.longest >= 10, `the goldens have 10+ token continuations (longest ${f64.longest})`);
      assert.ok(f64.worst < TOLERANCE, `float64 log-softmax: largest |Δ| ${f64.worst.toExponential(2)} over ${requests.length} requests`);
      assert.ok(f32.worst > TOLERANCE, `float32 log-softmax misses the bound (largest |Δ| ${f32.worst.toExponential(2)}), so this check can fail`);
    });
  }
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
