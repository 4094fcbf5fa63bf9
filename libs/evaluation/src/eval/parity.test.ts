// Parity with lm-evaluation-harness on the fixture tasks (fixtures/make_lm_eval_reference.py ran the
// harness's own task configs on the same files with a tiny LLaMA and the LLaMA-2 tokenizer):
// (a) our prompts, continuations and token ids equal the harness's for every request, 0- and 2-shot;
// (b) fed the harness's own log-likelihoods, our scorer reproduces its predictions and metrics.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { builtinTasks, mmluGroup } from './builtin-tasks';
import { evaluateSuite, loadTaskDocs } from './evaluate';
import { aggregateGroup } from './metrics';
import { readTextSet, rollingPerplexity, rollingWindows } from './perplexity';
import { buildRequests, encodeRequests, harnessEncode } from './requests';
import { aggregateSamples, scoreDocuments, scoreRequests } from './scorer';
import { compareWithReference, fixturesDir, LmEvalReference, loadReference, ReferenceTask, ReplayModel } from './testing/reference-fixture';
import { HfTokenizer } from '@cptflow/model';
import { FixtureLlama } from './testing/fixture-llama';

const TASKS = ['arc_easy', 'arc_challenge', 'hellaswag', 'winogrande', 'boolq', 'piqa',
  'mmlu_abstract_algebra', 'mmlu_high_school_government_and_politics', 'mmlu_world_religions'];

let reference: LmEvalReference;
let tokenizer: HfTokenizer;
let dataRoot: string;

before(() => {
  reference = loadReference();
  tokenizer = HfTokenizer.fromFile(path.join(fixturesDir(), 'model', 'tokenizer.json'));
  dataRoot = path.join(fixturesDir(), 'data');
});

function referenceTask(shots: string, name: string): ReferenceTask {
  const entry = reference.runs[shots][name] as ReferenceTask;
  assert.ok(entry?.requests, `reference has no ${name} for ${shots}-shot`);
  return entry;
}

async function ourRun(shots: number, name: string) {
  const task = builtinTasks().get(name)!;
  const docs = await loadTaskDocs(dataRoot, task, { numFewshot: shots });
  return { task, docs: buildRequests(task, docs.evalDocs, { numFewshot: shots, fewshotDocs: docs.fewshotDocs }) };
}

// 5-shot (the harness's usual setting for MMLU and ARC) for those tasks: the other fixture pools are smaller
const FIVE_SHOT_TASKS = TASKS.filter((t) => t.startsWith('arc_') || t.startsWith('mmlu_'));

for (const shots of [0, 2, 5]) {
  describe(`harness parity, ${shots}-shot`, () => {
    for (const name of shots === 5 ? FIVE_SHOT_TASKS : TASKS) {
      it(`${name}: same context/continuation strings and token ids as lm_eval for every request`, async () => {
        const ref = referenceTask(String(shots), name);
        assert.equal(ref.num_fewshot, shots);
        const { docs } = await ourRun(shots, name);
        const ours = docs.flatMap((d) => d.requests);
        const theirs = [...ref.requests].sort((a, b) => a.doc_id - b.doc_id || a.idx - b.idx);
        assert.equal(ours.length, theirs.length);
        ours.forEach((r, i) => {
          assert.equal(r.docIndex, theirs[i].doc_id);
          assert.equal(r.choiceIndex, theirs[i].idx);
          assert.equal(r.context, theirs[i].context, `context of doc ${r.docIndex} choice ${r.choiceIndex}`);
          assert.equal(r.continuation, theirs[i].continuation);
        });
        const encoded = await encodeRequests(tokenizer, ours);
        encoded.forEach((e, i) => {
          assert.deepEqual(e.contextIds, theirs[i].context_ids, `context ids of request ${i}`);
          assert.deepEqual(e.continuationIds, theirs[i].continuation_ids, `continuation ids of request ${i}`);
        });
      });

      it(`${name}: replaying the harness's log-likelihoods gives its predictions, acc/acc_norm and stderr`, async () => {
        const ref = referenceTask(String(shots), name);
        const { task, docs } = await ourRun(shots, name);
        const model = new ReplayModel(ref.requests, reference.max_length);
        const encoded = await encodeRequests(tokenizer, docs.flatMap((d) => d.requests));
        const samples = scoreDocuments(docs, await scoreRequests(model, encoded, { batchSize: 8 }));
        assert.equal(samples.length, ref.samples.length);
        for (const s of ref.samples) {
          const ours = samples[s.doc_id];
          assert.deepEqual(ours.logprobs, s.logprobs);
          assert.equal(ours.pred, s.pred, `pred of doc ${s.doc_id}`);
          assert.equal(ours.acc, s.acc, `acc of doc ${s.doc_id}`);
          if (s.pred_norm !== undefined) {
            assert.equal(ours.predNorm, s.pred_norm, `pred_norm of doc ${s.doc_id}`);
            assert.equal(ours.accNorm, s.acc_norm, `acc_norm of doc ${s.doc_id}`);
          }
        }
        const score = aggregateSamples(task.name, task.metrics, samples);
        assert.equal(score.n, ref.n);
        for (const metric of task.metrics) {
          assert.equal(score.metrics[metric]!.value, ref.metrics[metric], `${metric}`);
          assert.equal(score.metrics[metric]!.stderr, ref.metrics[`${metric}_stderr`], `${metric}_stderr`);
        }
        assert.deepEqual(Object.keys(ref.metrics).filter((k) => !k.endsWith('_stderr')).sort(), [...task.metrics].sort());
      });
    }

    it('mmlu group: size-weighted acc and pooled stderr equal the harness group score', async () => {
      const subjects = ['abstract_algebra', 'high_school_government_and_politics', 'world_religions'];
      const scores = [];
      for (const subject of subjects) {
        const name = `mmlu_${subject}`;
        const ref = referenceTask(String(shots), name);
        const { task, docs } = await ourRun(shots, name);
        const encoded = await encodeRequests(tokenizer, docs.flatMap((d) => d.requests));
        const samples = scoreDocuments(docs, await scoreRequests(new ReplayModel(ref.requests), encoded));
        scores.push(aggregateSamples(task.name, task.metrics, samples));
      }
      const group = aggregateGroup(mmluGroup(subjects), scores);
      const refGroup = reference.runs[String(shots)].__mmlu_group__ as Record<string, number>;
      assert.equal(group.n, 13);
      assert.equal(group.metrics.acc!.value, refGroup.acc);
      assert.ok(Math.abs(group.metrics.acc!.stderr! - refGroup.acc_stderr) < 1e-15, `${group.metrics.acc!.stderr} vs ${refGroup.acc_stderr}`);
    });
  });
}

describe('harness parity, rolling log-likelihood (perplexity)', () => {
  it('tokenizes documents, cuts windows and sums log-likelihoods like HFLM.loglikelihood_rolling', async () => {
    const rolling = reference.rolling;
    assert.equal(tokenizer.prefixTokenId, rolling.prefix_token_id);
    const entries = rolling.docs.flatMap((d) => d.windows);
    const model = new ReplayModel(entries, rolling.max_length);
    for (const doc of rolling.docs) {
      const ids = await harnessEncode(tokenizer, doc.text);
      assert.deepEqual(ids, doc.token_ids);
      const windows = rollingWindows(ids, rolling.prefix_token_id, rolling.max_length);
      assert.deepEqual(windows.map((w) => [w.contextIds, w.continuationIds]), doc.windows.map((w) => [w.context_ids, w.continuation_ids]));
    }
    assert.ok(rolling.docs.some((d) => d.windows.length > 2), 'fixture exercises several windows');
    const texts = await readTextSet(dataRoot, { path: 'held_out' }, 'general');
    assert.deepEqual(texts, rolling.docs.map((d) => d.text));
    const result = await rollingPerplexity(model, tokenizer, texts);
    result.perDocument.forEach((d, i) => assert.ok(Math.abs(d.logprob - rolling.docs[i].total_logprob) < 1e-9));
    const tokens = rolling.docs.reduce((a, d) => a + d.token_ids.length, 0);
    assert.equal(result.tokens, tokens);
    const ll = rolling.docs.reduce((a, d) => a + d.total_logprob, 0);
    assert.ok(Math.abs(result.tokenPerplexity - Math.exp(-ll / tokens)) < 1e-9 * result.tokenPerplexity);
  });
});

describe('compareWithReference (the hook for the engine parity test)', () => {
  it('reports full parity for a model that reproduces the harness model log-likelihoods', async () => {
    const all = Object.values(reference.runs).flatMap((run) =>
      Object.values(run).flatMap((t) => ((t as ReferenceTask).requests ? (t as ReferenceTask).requests : [])));
    const report = await compareWithReference(new ReplayModel(all, reference.max_length), { tokenizer });
    assert.equal(report.tasks.length, 23); // 9 tasks at 0 and 2 shots, ARC and MMLU at 5
    assert.equal(report.identicalPredictionShare, 1);
    assert.equal(report.maxAbsLogprobDiff, 0);
    for (const t of report.tasks) {
      assert.equal(t.requestMismatches, 0, t.task);
      assert.equal(t.ours.metrics.acc!.value, t.harness.acc, t.task);
    }
    for (const g of report.groups) assert.equal(g.ours.metrics.acc!.value, g.harness.acc);
  });

  it('notices a model that disagrees with the harness', async () => {
    const flipped = Object.values(reference.runs['0']).flatMap((t) => ((t as ReferenceTask).requests ?? []))
      .map((r) => ({ ...r, logprob: -r.logprob }));
    const others = ['2', '5'].flatMap((k) => Object.values(reference.runs[k]).flatMap((t) => ((t as ReferenceTask).requests ?? [])));
    const report = await compareWithReference(new ReplayModel([...others, ...flipped]), { tokenizer });
    assert.ok(report.identicalPredictionShare < 1);
    assert.ok(report.maxAbsLogprobDiff > 1);
  });
});

describe('whole pipeline against lm-evaluation-harness with a real forward pass', () => {
  it('the fixture model (plain-TS forward) gives the harness predictions for every sample, 0-, 2- and 5-shot', async () => {
    const model = new FixtureLlama(path.join(fixturesDir(), 'model'));
    const report = await compareWithReference(model, { tokenizer });
    for (const t of report.tasks) {
      assert.equal(t.requestMismatches, 0, t.task);
      assert.equal(t.identicalPredictions, t.samples, `${t.task} ${t.numFewshot}-shot`);
      for (const metric of Object.keys(t.ours.metrics) as (keyof typeof t.ours.metrics)[]) {
        assert.equal(t.ours.metrics[metric]!.value, t.harness[metric], `${t.task} ${metric}`);
      }
    }
    assert.equal(report.identicalPredictionShare, 1);
    // torch ran fp32; this forward runs float64
    assert.ok(report.maxAbsLogprobDiff < 1e-3, `max |Δ logprob| = ${report.maxAbsLogprobDiff}`);
    for (const g of report.groups) assert.equal(g.ours.metrics.acc!.value, g.harness.acc);
  });
});

describe('evaluateSuite', () => {
  it('reads, scores and aggregates the fixture suite (MMLU group included) to the harness numbers', async () => {
    const run = reference.runs['0'];
    const all = TASKS.flatMap((t) => (run[t] as ReferenceTask).requests);
    const tasks = TASKS.map((t) => builtinTasks().get(t)!);
    const subjects = ['abstract_algebra', 'high_school_government_and_politics', 'world_religions'];
    const out = await evaluateSuite(dataRoot, tasks, [mmluGroup(subjects), mmluGroup()], tokenizer, new ReplayModel(all, reference.max_length));
    assert.equal(out.tasks.length, TASKS.length);
    for (const e of out.tasks) assert.equal(e.score.metrics.acc!.value, (run[e.score.task] as ReferenceTask).metrics.acc);
    // the full 57-subject group over the 3 present subjects is the same micro-average
    assert.equal(out.groups.length, 2);
    for (const g of out.groups) assert.equal(g.metrics.acc!.value, (run.__mmlu_group__ as Record<string, number>).acc);
  });
});
