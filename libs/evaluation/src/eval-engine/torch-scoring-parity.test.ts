// The evaluator's scoring on the torch worker group: on the tiny LLaMA and task files that
// lm-evaluation-harness was run on (libs/evaluation/fixtures/eval), every per-sample prediction equals the
// harness's and the ONNX scorer's, and every request's log-likelihood and is_greedy match the harness
// (within libs/evaluation/src/eval-engine's parity tolerance).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { builtinTasks, evaluateTaskDocs, loadTaskDocs } from '../eval';
import { fixturesDir, LmEvalReference, loadReference, ReferenceTask } from '../eval/testing';
import { HfTokenizer, loadHfTokenizer } from '@cptflow/model';
import { OnnxLogLikelihoodModel } from './onnx-model';
import { torchPythonOrSkip } from '@cptflow/torch-engine/testing';
import { TorchLogLikelihoodModel } from './torch-scorer';

/** libs/evaluation/src/eval-engine harness-parity.test.ts's tolerance: fp32 kernels sum in different orders. */
const logprobTolerance = (ll: number) => 1e-4 + 1e-6 * Math.abs(ll);
const TASKS = ['arc_easy', 'hellaswag', 'winogrande', 'mmlu_abstract_algebra'];
const SHOTS = 2;

describe('torch scoring vs lm-evaluation-harness and the ONNX scorer', { timeout: 300_000 }, () => {
  let reference: LmEvalReference;
  let tokenizer: HfTokenizer;
  let torch: TorchLogLikelihoodModel | undefined;
  let onnx: OnnxLogLikelihoodModel;

  before(async () => {
    reference = loadReference();
    const modelDir = path.join(fixturesDir(), 'model');
    tokenizer = await loadHfTokenizer(modelDir);
    onnx = await OnnxLogLikelihoodModel.fromDir(modelDir, { intraOpNumThreads: 1 });
  });
  after(async () => {
    await Promise.all([torch?.close(), onnx.close()]);
  });

  for (const name of TASKS) {
    it(`${name}, ${SHOTS}-shot: same predictions as the harness and ONNX; log-likelihoods and is_greedy as the harness`, async (t) => {
      if (!torchPythonOrSkip(t)) return;
      torch ??= await TorchLogLikelihoodModel.fromDir(path.join(fixturesDir(), 'model'), { threadsPerRank: 1 });
      const task = builtinTasks().get(name)!;
      const docs = await loadTaskDocs(path.join(fixturesDir(), 'data'), task, { numFewshot: SHOTS });
      const [mine, viaOnnx] = [await evaluateTaskDocs(task, docs, tokenizer, torch, { numFewshot: SHOTS, batchSize: 16 }), await evaluateTaskDocs(task, docs, tokenizer, onnx, { numFewshot: SHOTS, batchSize: 16 })];
      const ref = reference.runs[String(SHOTS)][name] as ReferenceTask;
      const refRequests = [...ref.requests].sort((a, b) => a.doc_id - b.doc_id || a.idx - b.idx);
      const ours = mine.samples.flatMap((s) => s.logprobs.map((ll, i) => ({ ll, greedy: s.isGreedy[i] })));
      assert.equal(ours.length, refRequests.length);
      ours.forEach((o, i) => {
        const r = refRequests[i];
        assert.ok(Math.abs(o.ll - r.logprob) <= logprobTolerance(r.logprob), `doc ${r.doc_id} choice ${r.idx}: ${o.ll} vs harness ${r.logprob}`);
        assert.equal(o.greedy, r.is_greedy, `is_greedy of doc ${r.doc_id} choice ${r.idx}`);
      });
      for (const s of ref.samples) {
        assert.equal(mine.samples[s.doc_id].pred, s.pred, `pred of doc ${s.doc_id} vs harness`);
        if (s.pred_norm !== undefined) assert.equal(mine.samples[s.doc_id].predNorm, s.pred_norm, `pred_norm of doc ${s.doc_id} vs harness`);
      }
      mine.samples.forEach((s, i) => {
        assert.equal(s.pred, viaOnnx.samples[i].pred, `pred of doc ${i} vs ONNX`);
        assert.equal(s.predNorm, viaOnnx.samples[i].predNorm, `pred_norm of doc ${i} vs ONNX`);
      });
    });
  }
});
