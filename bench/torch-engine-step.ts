// The trainer's two engines on the CPU, through the same Engine interface the trainer uses: ONNX
// Runtime (worker thread) and PyTorch (torchrun group of one process, FSDP2, fp32), on the same small
// LLaMA config as train-step.ts, the same packed rows (document masks) and the same initial weights.
// Steps alternate between the engines so load from elsewhere on the machine hits both alike.
//
//   npm run build && CPTFLOW_PYTHON=.cache/python/bin/python node dist/bench/torch-engine-step.js [--steps 6] [--warmup 2] [--threads N]
//
// Writes bench/results/torch-engine-step.json: tokens/s of each (wall time of step() as the trainer
// sees it, IPC included) and torch / onnx (target >= 0.8).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  batchFromPackedRows,
  type TokenBatch,
  type TrainerOptions,
  initParameters,
  type LlamaConfig,
} from '@cptflow/model';
import { torchEngine } from '@cptflow/torch-engine';
import { onnxEngine, type Engine } from '@cptflow/training';

const CONFIG: LlamaConfig = {
  vocabSize: 32000,
  hiddenSize: 256,
  numLayers: 4,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 64,
  intermediateSize: 688,
  maxPositionEmbeddings: 256,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
  initializerRange: 0.02,
  bosTokenId: 1,
  eosTokenId: 2,
  padTokenId: null,
};
const BATCH = 4;
const SEQ = 256;
const LR = 3e-4;

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};

function batches(count: number): TokenBatch[] {
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, () =>
    batchFromPackedRows(
      Array.from({ length: BATCH }, () => ({
        tokens: Array.from({ length: SEQ }, () => next() % CONFIG.vocabSize),
        documentStarts: [0, 40 + (next() % 60), 150 + (next() % 60)],
      })),
    ),
  );
}

async function main(): Promise<void> {
  const steps = arg('--steps', 6);
  const warmup = arg('--warmup', 2);
  // Threads per engine (default: every core); on a shared machine 1 keeps OpenMP/ORT thread pools
  // from fighting over busy cores.
  const threads = arg('--threads', cpus().length);
  const options: TrainerOptions = {
    batch: BATCH,
    seq: SEQ,
    documentMask: true,
    recomputeLayers: false,
    adamw: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    maxGradNorm: 1,
    session: { optimization: 'all', intraOpThreads: threads },
  };
  const state = () => ({ step: 0, params: Object.fromEntries(initParameters(CONFIG, 0)) });
  const engines: Record<'onnx' | 'torch', Engine> = {
    onnx: await onnxEngine(CONFIG, options, state()),
    torch: await torchEngine({ threadsPerRank: threads })(CONFIG, options, state()),
  };
  const data = batches(warmup + steps);
  const seconds: Record<'onnx' | 'torch', number[]> = { onnx: [], torch: [] };
  const losses: Record<'onnx' | 'torch', number[]> = { onnx: [], torch: [] };
  try {
    for (let s = 0; s < warmup + steps; s++) {
      for (const name of ['onnx', 'torch'] as const) {
        const t0 = performance.now();
        const r = await engines[name].step([data[s]], LR);
        if (s >= warmup) seconds[name].push((performance.now() - t0) / 1000);
        losses[name].push(r.loss);
      }
    }
  } finally {
    await Promise.all(Object.values(engines).map((e) => e.close()));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const tokensPerS = (name: 'onnx' | 'torch') => (BATCH * SEQ) / median(seconds[name]);
  const result = {
    command: `CPTFLOW_PYTHON=.cache/python/bin/python node dist/bench/torch-engine-step.js --steps ${steps} --warmup ${warmup} --threads ${threads}`,
    onnx_tokens_per_s: tokensPerS('onnx'),
    torch_tokens_per_s: tokensPerS('torch'),
    torch_vs_onnx: tokensPerS('torch') / tokensPerS('onnx'),
    threads,
    load_average: loadavg(),
    config: { ...CONFIG, batch: BATCH, seq: SEQ, documentMask: true, steps, warmup },
    step_seconds: seconds,
    losses,
  };
  mkdirSync(join(__dirname, '..', '..', 'bench', 'results'), { recursive: true });
  writeFileSync(join(__dirname, '..', '..', 'bench', 'results', 'torch-engine-step.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify({ onnx: result.onnx_tokens_per_s, torch: result.torch_tokens_per_s, ratio: result.torch_vs_onnx }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
