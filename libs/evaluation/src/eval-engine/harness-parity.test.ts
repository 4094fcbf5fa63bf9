// End-to-end parity with lm-evaluation-harness (HF backend, fp32, CPU): our tokenizer + request
// building (libs/evaluation/src/eval) + this engine's ONNX forward pass, on the same tiny LLaMA and the same task
// files that libs/evaluation/fixtures/eval/make_lm_eval_reference.py ran the harness on. Every per-sample
// prediction, every acc / acc_norm and stderr must equal the harness's; each request's log-likelihood
// must match within |Δ| ≤ 1e-4 + 1e-6·|ll| (fp32 kernels of ORT vs torch sum in different orders) and its
// is_greedy exactly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { aggregateGroup, aggregateSamples, builtinTasks, encodePair, evaluateTaskDocs, loadTaskDocs, mmluGroup, rollingPerplexity, TaskScore } from '../eval';
import { compareWithReference, fixturesDir, LmEvalReference, loadReference, ReferenceTask } from '../eval/testing/reference-fixture';
import { HfTokenizer, loadHfTokenizer } from '@cptflow/model';
import { OnnxLogLikelihoodModel } from './onnx-model';

const MMLU_SUBJECTS = ['abstract_algebra', 'high_school_government_and_politics', 'world_religions'];
const TASKS = ['arc_easy', 'arc_challenge', 'hellaswag', 'winogrande', 'boolq', 'piqa', ...MMLU_SUBJECTS.map((s) => `mmlu_${s}`)];

export function logprobTolerance(ll: number): number {
  return 1e-4 + 1e-6 * Math.abs(ll);
}

let reference: LmEvalReference;
let tokenizer: HfTokenizer;
let model: OnnxLogLikelihoodModel;

before(async () => {
  reference = loadReference();
  const modelDir = path.join(fixturesDir(), 'model');
  tokenizer = await loadHfTokenizer(modelDir);
  model = await OnnxLogLikelihoodModel.fromDir(modelDir, { intraOpNumThreads: 2 });
});

after(async () => {
  await model.close();
});

// 5-shot: ARC and MMLU (the harness's usual setting for them; the other fixture pools are smaller)
const FIVE_SHOT_TASKS = TASKS.filter((t) => t.startsWith('arc_') || t.startsWith('mmlu_'));

for (const shots of [0, 2, 5]) {
  describe(`engine vs lm-evaluation-harness, ${shots}-shot`, () => {
    const scores: TaskScore[] = [];
    for (const name of shots === 5 ? FIVE_SHOT_TASKS : TASKS) {
      it(`${name}: same predictions, acc/acc_norm and stderr; log-likelihoods within tolerance`, async () => {
        const ref = reference.runs[String(shots)][name] as ReferenceTask;
        const task = builtinTasks().get(name)!;
        const docs = await loadTaskDocs(path.join(fixturesDir(), 'data'), task, { numFewshot: shots });
        const evaluation = await evaluateTaskDocs(task, docs, tokenizer, model, { numFewshot: shots, batchSize: 16 });

        const refRequests = [...ref.requests].sort((a, b) => a.doc_id - b.doc_id || a.idx - b.idx);
        const ours = evaluation.samples.flatMap((s) => s.logprobs.map((ll, i) => ({ ll, greedy: s.isGreedy[i] })));
        assert.equal(ours.length, refRequests.length);
        ours.forEach((o, i) => {
          const r = refRequests[i];
          assert.ok(Math.abs(o.ll - r.logprob) <= logprobTolerance(r.logprob), `doc ${r.doc_id} choice ${r.idx}: ${o.ll} vs harness ${r.logprob}`);
          assert.equal(o.greedy, r.is_greedy, `is_greedy of doc ${r.doc_id} choice ${r.idx}`);
        });

        assert.equal(evaluation.samples.length, ref.samples.length);
        for (const s of ref.samples) {
          const mine = evaluation.samples[s.doc_id];
          assert.equal(mine.pred, s.pred, `pred of doc ${s.doc_id}`);
          assert.equal(mine.acc, s.acc, `acc of doc ${s.doc_id}`);
          if (s.pred_norm !== undefined) {
            assert.equal(mine.predNorm, s.pred_norm, `pred_norm of doc ${s.doc_id}`);
            assert.equal(mine.accNorm, s.acc_norm, `acc_norm of doc ${s.doc_id}`);
          }
        }
        const score = evaluation.score;
        assert.equal(score.n, ref.n);
        for (const metric of task.metrics) {
          assert.equal(score.metrics[metric]!.value, ref.metrics[metric], metric);
          assert.equal(score.metrics[metric]!.stderr, ref.metrics[`${metric}_stderr`], `${metric}_stderr`);
        }
        scores.push(aggregateSamples(task.name, task.metrics, evaluation.samples));
      });
    }

    it('mmlu group: the micro-averaged acc equals the harness group score', () => {
      const group = aggregateGroup(mmluGroup(MMLU_SUBJECTS), scores.filter((s) => s.task.startsWith('mmlu_')));
      const refGroup = reference.runs[String(shots)].__mmlu_group__ as Record<string, number>;
      assert.equal(group.metrics.acc!.value, refGroup.acc);
      assert.ok(Math.abs(group.metrics.acc!.stderr! - refGroup.acc_stderr) < 1e-15);
    });
  });
}

describe('engine vs lm-evaluation-harness, rolling log-likelihood', () => {
  it('per-document log-likelihoods over 16-token windows match loglikelihood_rolling', async () => {
    const rolling = reference.rolling;
    const result = await rollingPerplexity(model, tokenizer, rolling.docs.map((d) => d.text), { maxLength: rolling.max_length });
    result.perDocument.forEach((d, i) => {
      const want = rolling.docs[i].total_logprob;
      assert.ok(Math.abs(d.logprob - want) <= logprobTolerance(want) * rolling.docs[i].windows.length, `doc ${i}: ${d.logprob} vs ${want}`);
    });
  });
});

describe("libs/evaluation/src/eval's parity report for the engine", () => {
  it('reports full parity: every request identical, every prediction identical, log-likelihoods within 1e-4', async () => {
    const report = await compareWithReference(model, { tokenizer });
    assert.equal(report.identicalPredictionShare, 1);
    assert.ok(report.maxAbsLogprobDiff < 1e-4, String(report.maxAbsLogprobDiff));
    assert.ok(report.tasks.length >= 18);
    for (const t of report.tasks) assert.equal(t.requestMismatches, 0, `${t.task} ${t.numFewshot}-shot`);
  });
});

describe('engine batching', () => {
  it('single-token continuations of one context (MMLU letters) are all read from one row, no branches', async () => {
    const before = { ...model.stats };
    const ctx = await tokenizer.encode('Question: 1+1?\nAnswer:', true);
    const letters = await Promise.all([' A', ' B', ' C', ' D'].map((c) => tokenizer.encode(c, false)));
    const requests = letters.map((l) => ({ contextIds: ctx, continuationIds: l.slice(-1) }));
    await model.scoreBatch(requests);
    assert.equal(model.stats.forwardPasses - before.forwardPasses, 1);
    assert.equal(model.stats.sharedRequests - before.sharedRequests, 3);
    assert.equal(model.stats.paddedTokens - before.paddedTokens, ctx.length);
  });

  it('continuations sharing a context score the same as branches of one row as each alone', async () => {
    const context = 'Question: Which of these is a renewable source of energy?\nAnswer:';
    const requests = await Promise.all([' coal from old mines', ' wind', ' natural gas and oil', ' nuclear fission of uranium'].map((c) => encodePair(tokenizer, context, c)));
    const ctx = requests[0].contextIds;
    const choices = requests.map((r) => r.continuationIds);
    assert.ok(choices.filter((c) => c.length > 1).length >= 3);
    const before = { ...model.stats };
    const together = await model.scoreBatch(requests);
    assert.equal(model.stats.forwardPasses - before.forwardPasses, 1);
    assert.equal(model.stats.inputTokens - before.inputTokens, ctx.length + choices.reduce((n, c) => n + c.length - 1, 0), 'the context is fed once');
    for (const [i, r] of requests.entries()) {
      const [alone] = await model.scoreBatch([r]);
      assert.ok(Math.abs(alone.logprob - together[i].logprob) < 1e-5, `choice ${i}: ${alone.logprob} vs ${together[i].logprob}`);
      assert.equal(alone.isGreedy, together[i].isGreedy);
    }
  });

  it('a request scores the same alone and right-padded inside a batch of longer rows', async () => {
    const short = { contextIds: [1, 450, 4996], continuationIds: [17354, 1701] };
    const long = { contextIds: [1, 319, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366], continuationIds: [11203, 29889] };
    const [alone] = await model.scoreBatch([short]);
    const [, padded] = await model.scoreBatch([long, short]);
    assert.ok(Math.abs(alone.logprob - padded.logprob) < 1e-5, `${alone.logprob} vs ${padded.logprob}`);
    assert.equal(alone.isGreedy, padded.isGreedy);
  });
});
