// cptflow's evaluator against lm-evaluation-harness (HF backend, CPU, fp32) on the same model and the
// same task files, in one run: documents scored per second by each, and the share of documents on
// which both predict the same choice (acc's argmax and, where the task reports it, acc_norm's).
//
//   npm run build && node dist/bench/eval.js [--docs 40] [--preset small|mobilellm-125m]
//        [--batch-size 32] [--harness-batch-size 16] [--threads 2] [--python PATH (default: CPTFLOW_PYTHON or .cache/python)]
//        [--out eval.json]
//
// The model is a randomly initialised LLaMA exported the way cptflow's trainer exports checkpoints
// (config.json from libs/model/src/model-config, model.safetensors from libs/model/src/safetensors, the LLaMA-2
// tokenizer); the task files are written by bench/peers/make_eval_bench_tasks.py in the hub layouts
// from sentences of data/corpora. Writes bench/results/eval.json.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinTasks, evaluateTask, OnnxLogLikelihoodModel } from '@cptflow/evaluation';
import {
  loadHfTokenizer,
  parameterShapes,
  initParameters,
  LlamaConfig,
  MOBILELLM_125M,
  toHfConfigJson,
  saveSafetensorsModel,
  architectureOf,
} from '@cptflow/model';
import { pythonFor } from '../test/support/python';

const ROOT = join(__dirname, '..', '..');
const TASKS = ['arc_easy', 'arc_challenge', 'hellaswag', 'winogrande', 'boolq', 'piqa', 'mmlu_abstract_algebra', 'mmlu_high_school_government_and_politics', 'mmlu_world_religions'];

/**
 * A small LLaMA with the LLaMA-2 vocabulary. The wide init (std 0.5, as the parity fixture) makes the
 * random model's choices differ clearly in log-likelihood; with std 0.02 a random model scores
 * choices within float32 rounding of each other, and argmax then reflects summation order, not the
 * implementation's correctness.
 */
const SMALL: LlamaConfig = {
  ...MOBILELLM_125M,
  hiddenSize: 256,
  numLayers: 4,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 64,
  intermediateSize: 704,
  initializerRange: 0.5,
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function exportModel(dir: string, config: LlamaConfig): Promise<number> {
  mkdirSync(dir, { recursive: true });
  const weights = initParameters(config, 2026);
  const shapes = new Map(parameterShapes(architectureOf(config)).map((p) => [p.name, p.shape]));
  await saveSafetensorsModel(dir, [...weights].map(([name, data]) => [name, { shape: shapes.get(name)!, data }]));
  writeFileSync(join(dir, 'config.json'), JSON.stringify(toHfConfigJson(config), null, 2));
  const tokenizerDir = join(ROOT, 'node_modules', '@lenml', 'tokenizer-llama2', 'models');
  for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(tokenizerDir, f), join(dir, f));
  return [...weights.values()].reduce((n, w) => n + w.length, 0);
}

interface Prediction {
  doc_id: number;
  pred: number;
  pred_norm?: number;
}

async function runCptflow(modelDir: string, dataDir: string, batchSize: number, threads: number) {
  const t0 = performance.now();
  const tokenizer = await loadHfTokenizer(modelDir);
  const model = await OnnxLogLikelihoodModel.fromDir(modelDir, { intraOpNumThreads: threads });
  const loadSeconds = (performance.now() - t0) / 1000;
  const tasks: Record<string, Prediction[]> = {};
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  for (const name of TASKS) {
    const task = builtinTasks().get(name)!;
    const { samples } = await evaluateTask(dataDir, task, tokenizer, model, { batchSize });
    tasks[name] = samples.map((s) => ({ doc_id: s.docIndex, pred: s.pred, ...(task.metrics.includes('acc_norm') ? { pred_norm: s.predNorm } : {}) }));
  }
  const evalSeconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu1);
  const evalCpuSeconds = (cpu.user + cpu.system) / 1e6; // the ORT worker thread included
  const stats = { ...model.stats };
  await model.close();
  return { loadSeconds, evalSeconds, evalCpuSeconds, docs: Object.values(tasks).reduce((n, t) => n + t.length, 0), tasks, stats };
}

async function main() {
  const docsPerTask = Number(arg('--docs', '40'));
  const preset = arg('--preset', 'small');
  const batchSize = Number(arg('--batch-size', '32'));
  const harnessBatchSize = Number(arg('--harness-batch-size', '16'));
  const threads = Number(arg('--threads', '2'));
  const python = arg('--python', '') || pythonFor('the lm-evaluation-harness peer');
  const config = preset === 'mobilellm-125m' ? { ...MOBILELLM_125M, initializerRange: 0.1 } : SMALL;

  const loadBefore = os.loadavg()[0];
  const work = mkdtempSync(join(tmpdir(), 'cptflow-bench-eval-'));
  try {
    const dataDir = join(work, 'tasks');
    const modelDir = join(work, 'model');
    const made = spawnSync(python, [join(ROOT, 'bench', 'peers', 'make_eval_bench_tasks.py'), dataDir, String(docsPerTask)], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`make_eval_bench_tasks.py failed:\n${made.stderr}`);
    const parameters = await exportModel(modelDir, config);
    console.log(`model: ${preset} (${(parameters / 1e6).toFixed(1)}M parameters), ${docsPerTask} documents per task, ${TASKS.length} tasks`);

    const ours = await runCptflow(modelDir, dataDir, batchSize, threads);
    console.log(`cptflow: ${ours.docs} documents in ${ours.evalSeconds.toFixed(2)} s = ${(ours.docs / ours.evalSeconds).toFixed(1)} docs/s (load ${ours.loadSeconds.toFixed(2)} s)`);

    const peerOut = join(work, 'lm_eval.json');
    const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
    const peer = spawnSync(python, [join(ROOT, 'bench', 'peers', 'lm_eval_peer.py'), modelDir, dataDir, peerOut, '--batch-size', String(harnessBatchSize), '--threads', String(threads)], {
      encoding: 'utf8',
      env,
      maxBuffer: 1 << 26,
    });
    if (peer.status !== 0) throw new Error(`lm_eval_peer.py failed (status ${peer.status}):\n${peer.stderr.slice(-4000)}`);
    const theirs = JSON.parse(readFileSync(peerOut, 'utf8')) as { lm_eval_version: string; torch_version: string; load_seconds: number; eval_seconds: number; eval_cpu_seconds: number; docs: number; tasks: Record<string, Prediction[]> };
    console.log(`lm-evaluation-harness ${theirs.lm_eval_version}: ${theirs.docs} documents in ${theirs.eval_seconds.toFixed(2)} s = ${(theirs.docs / theirs.eval_seconds).toFixed(1)} docs/s (load ${theirs.load_seconds.toFixed(2)} s)`);

    let compared = 0;
    let identical = 0;
    const perTask: Record<string, { docs: number; identical: number }> = {};
    for (const name of TASKS) {
      const a = ours.tasks[name];
      const b = new Map((theirs.tasks[name] ?? []).map((p) => [p.doc_id, p]));
      if (b.size !== a.length) throw new Error(`${name}: cptflow scored ${a.length} documents, the harness ${b.size}`);
      let same = 0;
      for (const p of a) {
        const q = b.get(p.doc_id)!;
        if (p.pred === q.pred && p.pred_norm === q.pred_norm) same++;
      }
      perTask[name] = { docs: a.length, identical: same };
      compared += a.length;
      identical += same;
    }
    const result = {
      command: `node dist/bench/eval.js ${process.argv.slice(2).join(' ')}`.trim(),
      date: new Date().toISOString(),
      model: { preset, parameters, hf: toHfConfigJson(config) },
      tasks: TASKS,
      docsPerTask,
      threads,
      cptflow: {
        batchSize,
        loadSeconds: ours.loadSeconds,
        evalSeconds: ours.evalSeconds,
        evalCpuSeconds: ours.evalCpuSeconds,
        docs: ours.docs,
        samplesPerSecond: ours.docs / ours.evalSeconds,
        forwardPasses: ours.stats.forwardPasses,
        paddedTokens: ours.stats.paddedTokens,
        inputTokens: ours.stats.inputTokens,
        sharedRequests: ours.stats.sharedRequests,
      },
      lmEvaluationHarness: {
        version: theirs.lm_eval_version,
        torch: theirs.torch_version,
        backend: 'hf, cpu, float32',
        batchSize: harnessBatchSize,
        loadSeconds: theirs.load_seconds,
        evalSeconds: theirs.eval_seconds,
        evalCpuSeconds: theirs.eval_cpu_seconds,
        docs: theirs.docs,
        samplesPerSecond: theirs.docs / theirs.eval_seconds,
      },
      speedup: ours.docs / ours.evalSeconds / (theirs.docs / theirs.eval_seconds),
      /** CPU seconds per document, harness / cptflow: less sensitive to other load on the machine than wall time. */
      cpuSpeedup: theirs.eval_cpu_seconds / theirs.docs / (ours.evalCpuSeconds / ours.docs),
      /** 1-minute load average before and after (the machine is shared; wall times depend on it). */
      loadAverage: { before: loadBefore, after: os.loadavg()[0] },
      identicalPredictionShare: identical / compared,
      perTask,
    };
    console.log(`identical per-sample predictions: ${identical}/${compared} = ${result.identicalPredictionShare}; speed-up ${result.speedup.toFixed(2)}x wall, ${result.cpuSpeedup.toFixed(2)}x CPU time (load average ${loadBefore.toFixed(1)} -> ${os.loadavg()[0].toFixed(1)})`);
    const outDir = join(ROOT, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, arg('--out', 'eval.json')), JSON.stringify(result, null, 2) + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
