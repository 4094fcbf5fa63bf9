// Training throughput of cptflow's engine against PyTorch (transformers' LlamaForCausalLM, CPU,
// float32) on the same small LLaMA config and the same batches, in one run.
//
//   npm run build && node dist/bench/train-step.js [--steps 6] [--warmup 2] [--python PATH (default: CPTFLOW_PYTHON or .cache/python)]
//
// Writes bench/results/train_step.json:
//   {"ours": tokens/s, "peer": tokens/s, "peer_name": "pytorch", "ratio": ours/peer, "mfu": ...,
//    "peak_rss_mb": ..., ...}
// MFU = model FLOPs per second / the matrix-multiply peak measured in ONNX Runtime on this machine
// at the start of the run. Model FLOPs per token = 6·(matmul parameters) + 12·layers·(heads·headDim)·seq,
// the usual nanoGPT/llm.c estimate (nanoGPT's `estimate_mfu`, after the PaLM paper's appendix B:
// 6·N per token for the matmuls forward and backward, plus 12·L·H·D·T for attention).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, GraphBuilder, matmul, ortTensor } from '@cptflow/onnx';
import { seededUniform } from '@cptflow/pycompat';
import { batchFromLabels, elementCount, LlamaArchitecture, LlamaTrainer, parameterShapes } from '@cptflow/model';
import { pythonFor } from '../test/support/python';

const CONFIG: LlamaArchitecture = {
  vocabSize: 32000,
  hiddenSize: 256,
  numLayers: 4,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 64,
  intermediateSize: 688,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  tieWordEmbeddings: true,
};
const BATCH = 4;
const SEQ = 256;
const LR = 3e-4;

function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** Sustained fp32 MatMul rate of ONNX Runtime here (n×n · n×n, best of several runs), FLOP/s. */
async function measureMatmulPeak(n = 1536, runs = 6): Promise<number> {
  const g = new GraphBuilder('matmul_peak');
  g.output(matmul(g.input('a', 'float32', [n, n]), g.input('b', 'float32', [n, n])), 'c');
  const session = await createSession(g.toBytes(), { optimization: 'all' });
  const rand = seededUniform(1);
  const data = Float32Array.from({ length: n * n }, () => rand() * 2 - 1);
  const feeds = { a: ortTensor('float32', data, [n, n]), b: ortTensor('float32', data, [n, n]) };
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  await session.release();
  return (2 * n * n * n) / best;
}

function flopsPerToken(a: LlamaArchitecture, seq: number): number {
  const matmulParams = parameterShapes(a)
    .filter((p) => p.shape.length === 2 && p.name !== 'model.embed_tokens.weight')
    .reduce((n, p) => n + elementCount(p.shape), 0) + a.vocabSize * a.hiddenSize; // + the (tied) LM head
  return 6 * matmulParams + 12 * a.numLayers * a.numHeads * a.headDim * seq;
}

async function main() {
  const steps = Number(argValue('--steps', '6'));
  const warmup = Number(argValue('--warmup', '2'));
  const python = argValue('--python', '') || pythonFor('the PyTorch peer');
  const threads = cpus().length;
  const loadAtStart = loadavg()[0];

  const rand = seededUniform(7);
  const batches = Array.from({ length: warmup + steps }, () =>
    Array.from({ length: BATCH }, () => Array.from({ length: SEQ }, () => Math.floor(rand() * CONFIG.vocabSize))),
  );

  const matmulPeak = await measureMatmulPeak();

  // Ours.
  const params = new Map(parameterShapes(CONFIG).map((p) => {
    const data = new Float32Array(elementCount(p.shape));
    if (p.shape.length === 1) data.fill(1);
    else for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) * 0.035;
    return [p.name, data] as const;
  }));
  const trainer = await LlamaTrainer.create(CONFIG, params, {
    batch: BATCH,
    seq: SEQ,
    documentMask: false,
    recomputeLayers: false,
    adamw: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    session: { optimization: 'all', intraOpThreads: threads },
  });
  const ourTimes: number[] = [];
  const ourLosses: number[] = [];
  for (const [i, rows] of batches.entries()) {
    const t0 = performance.now();
    const r = await trainer.trainStep([batchFromLabels(rows)], LR);
    if (i >= warmup) ourTimes.push((performance.now() - t0) / 1000);
    ourLosses.push(r.loss);
  }
  await trainer.release();
  const ourPeakRss = process.resourceUsage().maxRSS / 1024;
  const timedTokens = steps * BATCH * SEQ;
  const ours = timedTokens / ourTimes.reduce((s, t) => s + t, 0);

  // PyTorch, same config and batches, in a child process.
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-bench-'));
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify({
    config: {
      vocab_size: CONFIG.vocabSize, hidden_size: CONFIG.hiddenSize, num_hidden_layers: CONFIG.numLayers,
      num_attention_heads: CONFIG.numHeads, num_key_value_heads: CONFIG.numKvHeads, head_dim: CONFIG.headDim,
      intermediate_size: CONFIG.intermediateSize, rms_norm_eps: CONFIG.rmsNormEps, rope_theta: CONFIG.ropeTheta,
      tie_word_embeddings: CONFIG.tieWordEmbeddings, max_position_embeddings: SEQ,
    },
    batches, warmup, lr: LR, threads,
  }));
  const child = spawnSync(python, [join(__dirname, '..', '..', 'bench', 'peer_train_step.py'), specPath], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`peer failed: ${child.stderr}`);
  const peer = JSON.parse(child.stdout.trim().split('\n').pop()!) as { tokens_per_second: number; step_seconds: number[]; losses: number[]; peak_rss_mb: number; torch: string };

  const result = {
    ours,
    peer: peer.tokens_per_second,
    peer_name: 'pytorch',
    ratio: ours / peer.tokens_per_second,
    mfu: (ours * flopsPerToken(CONFIG, SEQ)) / matmulPeak,
    peer_mfu: (peer.tokens_per_second * flopsPerToken(CONFIG, SEQ)) / matmulPeak,
    peak_rss_mb: ourPeakRss,
    peer_peak_rss_mb: peer.peak_rss_mb,
    matmul_peak_gflops: matmulPeak / 1e9,
    config: { ...CONFIG, batch: BATCH, seq: SEQ, steps, warmup },
    step_seconds: { ours: ourTimes, peer: peer.step_seconds },
    first_losses: { ours: ourLosses.slice(0, 3), peer: peer.losses.slice(0, 3) },
    threads,
    load_average_start_end: [loadAtStart, loadavg()[0]],
    peer_version: `torch ${peer.torch}, transformers LlamaForCausalLM (sdpa attention)`,
  };
  const out = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'train_step.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`ours ${ours.toFixed(0)} tok/s, pytorch ${peer.tokens_per_second.toFixed(0)} tok/s, ratio ${result.ratio.toFixed(2)}, MFU ${(result.mfu * 100).toFixed(1)}% (matmul peak ${result.matmul_peak_gflops.toFixed(0)} GFLOP/s), peak RSS ${ourPeakRss.toFixed(0)} MB`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
