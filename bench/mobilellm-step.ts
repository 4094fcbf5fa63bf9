// One training step of a MobileLLM-125M-shaped model (random weights, the real shapes) at
// sequence length 2048, batch 1, with and without gradient checkpointing. Each variant runs in its
// own child process so its peak RSS is its own.
//
//   npm run build && node dist/bench/mobilellm-step.js [--seq 2048] [--steps 1] [--threads N]
//
// Writes bench/results/mobilellm-step.json.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { seededUniform } from '@cptflow/pycompat';
import { batchFromPackedRows, elementCount, LlamaTrainer, parameterShapes, MOBILELLM_125M } from '@cptflow/model';

interface VariantResult {
  recomputeLayers: boolean;
  seq: number;
  parameters: number;
  buildAndSessionSeconds: number;
  forwardBackwardSeconds: number[];
  adamwSeconds: number[];
  tokensPerSecond: number;
  loss: number;
  /** maxRSS after the first forward+backward (before the optimizer ever ran). */
  peakRssForwardBackwardMb: number;
  /** maxRSS over the whole run, optimizer update included. */
  peakRssMb: number;
  /** 1-minute load average at start and end: this machine is shared, timings depend on it. */
  loadAverage: [number, number];
}

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function runVariant(recomputeLayers: boolean, seq: number, steps: number, threads: number | undefined): Promise<VariantResult> {
  const loadAtStart = loadavg()[0];
  const a = MOBILELLM_125M;
  const rand = seededUniform(2026);
  const params = new Map<string, Float32Array>();
  for (const p of parameterShapes(a)) {
    const data = new Float32Array(elementCount(p.shape));
    if (p.shape.length === 1) data.fill(1);
    else for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) * 0.035; // uniform with std ≈ 0.02
    params.set(p.name, data);
  }
  const started = performance.now();
  const trainer = await LlamaTrainer.create(a, params, {
    batch: 1,
    seq,
    documentMask: true,
    recomputeLayers,
    adamw: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    maxGradNorm: 1,
    // Arena off: the reported peak RSS is the step's own, not the arena's rounded-up reservation.
    session: { optimization: 'all', intraOpThreads: threads, cpuMemArena: false },
  });
  const buildAndSessionSeconds = (performance.now() - started) / 1000;
  const tokens = Array.from({ length: seq }, () => Math.floor(rand() * a.vocabSize));
  const batch = batchFromPackedRows([{ tokens, documentStarts: [0, Math.floor(seq / 3), Math.floor((2 * seq) / 3)] }]);
  const forwardBackwardSeconds: number[] = [];
  const adamwSeconds: number[] = [];
  let loss = NaN;
  let peakRssForwardBackwardMb = 0;
  for (let s = 0; s < steps; s++) {
    // trainStep's two halves, timed apart: one micro-batch, then the update.
    const t0 = performance.now();
    const { lossSum, tokenCount, grads } = await trainer.forwardBackward(batch);
    forwardBackwardSeconds.push((performance.now() - t0) / 1000);
    if (s === 0) peakRssForwardBackwardMb = process.resourceUsage().maxRSS / 1024;
    const t1 = performance.now();
    await trainer.applyAdamW(grads, { lr: 5e-4, gradScale: 1 / tokenCount });
    adamwSeconds.push((performance.now() - t1) / 1000);
    loss = lossSum / tokenCount;
  }
  await trainer.release();
  return {
    recomputeLayers,
    seq,
    parameters: parameterShapes(a).reduce((n, p) => n + elementCount(p.shape), 0),
    buildAndSessionSeconds,
    forwardBackwardSeconds,
    adamwSeconds,
    tokensPerSecond: seq / (forwardBackwardSeconds[steps - 1] + adamwSeconds[steps - 1]),
    loss,
    peakRssForwardBackwardMb,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    loadAverage: [loadAtStart, loadavg()[0]],
  };
}

async function main() {
  const seq = argValue('--seq', 2048);
  const steps = argValue('--steps', 1);
  const threads = process.argv.includes('--threads') ? argValue('--threads', 2) : undefined;
  const variant = process.argv.indexOf('--variant');
  if (variant >= 0) {
    const result = await runVariant(process.argv[variant + 1] === 'recompute', seq, steps, threads);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    return;
  }
  const results: VariantResult[] = [];
  for (const v of ['keep', 'recompute']) {
    const child = spawnSync(process.execPath, [__filename, '--variant', v, ...process.argv.slice(2)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`variant ${v} failed (status ${child.status}):\n${child.stderr}`);
    const r = JSON.parse(line.slice(7)) as VariantResult;
    const secs = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
    console.log(
      `${v.padEnd(9)} forward+backward ${secs(r.forwardBackwardSeconds)} s, AdamW ${secs(r.adamwSeconds)} s, ` +
        `peak RSS ${r.peakRssForwardBackwardMb.toFixed(0)} MB after forward+backward / ${r.peakRssMb.toFixed(0)} MB overall, ` +
        `build+sessions ${r.buildAndSessionSeconds.toFixed(1)} s, loss ${r.loss.toFixed(3)}, load ${r.loadAverage.map((l) => l.toFixed(1)).join('→')}`,
    );
    results.push(r);
  }
  const out = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'mobilellm-step.json'), JSON.stringify({ model: 'MobileLLM-125M shapes, random weights', batch: 1, seq, cpus: cpus().length, results }, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
