// The trainer service's costs:
//  1. checkpoint save / find+verify / restore time and size for a MobileLLM-125M-shaped state
//     (random parameters and moments: 3 x 124.6M float32), all resident, and with a memory budget
//     that forces the state store to offload;
//  2. the continuous trainer's tokens/s against the bare LlamaTrainer on the same micro-batches
//     (the trainer adds: protobuf decoding, batch assembly, the worker-thread hop, the bus).
//
//   npm run build && node dist/bench/trainer.js [--steps 8] [--skip-checkpoint]
//
// Writes bench/results/trainer.json.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import {
  findLatestCheckpoint,
  restoreStateStore,
  saveCheckpoint,
  ShardedStateStore,
  ContinuousTrainer,
  microBatchOf,
  stateShards,
} from '@cptflow/training';
import { LlamaTrainer, initParameters, LlamaConfig, MOBILELLM_125M } from '@cptflow/model';
import { Xoshiro128 } from '@cptflow/pycompat';
import { corpusSequences, llama2Tokenizer, recordsOf, rowsOf, testBus } from '@cptflow/training/testing';

const argv = process.argv;
const arg = (name: string, fallback: number) => (argv.includes(name) ? Number(argv[argv.indexOf(name) + 1]) : fallback);
const seconds = (t0: number) => (performance.now() - t0) / 1000;

async function checkpointBench(memoryBudgetBytes: number) {
  const root = mkdtempSync(join(tmpdir(), 'cpt-bench-ckpt-'));
  const shards = stateShards(MOBILELLM_125M, 64 << 20);
  const store = await ShardedStateStore.create({
    shards,
    offloadDir: join(root, 'offload'),
    memoryBudgetBytes,
    init: (t, out) => Xoshiro128.fromSeed(1, t.name).fillNormal(out, 0, 0.02),
  });
  const totalBytes = shards.reduce((s, l) => s + l.length * 4, 0);
  let t0 = performance.now();
  const saved = await saveCheckpoint(join(root, 'ckpt'), store, { step: 1, tokensSeen: 2048, kafkaOffsets: [{ topic: 't', partition: 0, offset: '1' }] });
  const saveSeconds = seconds(t0);
  const checkpointBytes = saved.manifest.shards.reduce((s, x) => s + x.bytes, 0);
  await store.close();
  t0 = performance.now();
  const latest = await findLatestCheckpoint(join(root, 'ckpt'));
  const findAndVerifySeconds = seconds(t0);
  t0 = performance.now();
  const restored = await restoreStateStore(latest!, { offloadDir: join(root, 'offload2'), memoryBudgetBytes });
  const restoreSeconds = seconds(t0);
  const residentAfterRestore = restored.residentBytes;
  await restored.close();
  rmSync(root, { recursive: true, force: true });
  return {
    memoryBudgetBytes: Number.isFinite(memoryBudgetBytes) ? memoryBudgetBytes : 'unbounded',
    stateBytes: totalBytes,
    shards: shards.length,
    checkpointBytes,
    saveSeconds,
    saveMBps: checkpointBytes / 1e6 / saveSeconds,
    findAndVerifySha256Seconds: findAndVerifySeconds,
    restoreSeconds,
    residentBytesAfterRestore: residentAfterRestore,
  };
}

/** A model big enough that a step is real work, small enough for a few-minute benchmark on 2 cores. */
const BENCH_MODEL: LlamaConfig = { ...MOBILELLM_125M, hiddenSize: 128, numLayers: 4, numHeads: 4, numKvHeads: 2, headDim: 32, intermediateSize: 384, maxPositionEmbeddings: 512 };
const SEQ = 256;
const ROWS = 2;
const MICRO = 2;

async function throughputBench(steps: number, seqs: Awaited<ReturnType<typeof corpusSequences>>) {
  const rows = rowsOf(seqs, SEQ);
  const adamw = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
  const tokensPerStep = ROWS * MICRO * SEQ;

  // Bare engine on the main thread: the same micro-batches, built up front.
  const batches = Array.from({ length: steps }, (_, s) =>
    Array.from({ length: MICRO }, (_, m) => microBatchOf(rows.slice((s * MICRO + m) * ROWS, (s * MICRO + m + 1) * ROWS))),
  );
  const bare = await LlamaTrainer.create(BENCH_MODEL, initParameters(BENCH_MODEL, 1), { batch: ROWS, seq: SEQ, documentMask: true, recomputeLayers: false, adamw, maxGradNorm: 1 });
  const bareEnds: number[] = [];
  const bareLosses: number[] = [];
  for (const b of batches) {
    bareLosses.push((await bare.trainStep(b, 1e-3)).loss);
    bareEnds.push(performance.now());
  }
  await bare.release();

  // The continuous trainer over the in-process bus, the same sequences in the same order.
  const bus = testBus();
  await bus.ensureTopics(['cpt.seqs.packed'], 1);
  await bus.publish(recordsOf('cpt.seqs.packed', seqs));
  const root = mkdtempSync(join(tmpdir(), 'cpt-bench-trainer-'));
  const trainerEnds: number[] = [];
  const engineSeconds: number[] = [];
  const tok = llama2Tokenizer();
  const trainer = new ContinuousTrainer({
    run: 'bench',
    bus,
    topics: { sequences: 'cpt.seqs.packed', checkpoints: 'cpt.checkpoints' },
    model: { kind: 'random', config: BENCH_MODEL, seed: 1 },
    tokenizer: { path: tok.tokenizerPath, id: tok.tokenizerId },
    batchRows: ROWS,
    seqLen: SEQ,
    tokensPerStep,
    adamw,
    maxGradNorm: 1,
    schedule: { kind: 'constant', peakLr: 1e-3, warmupSteps: 0 },
    checkpoint: { dir: root, keepLast: 1, maxShardBytes: 64 << 20, memoryBudgetBytes: 1 << 30 },
    log: (line) => {
      if (/ step \d+ /.test(line)) {
        trainerEnds.push(performance.now());
        engineSeconds.push(trainer.status.engineSeconds ?? NaN);
      }
    },
  });
  await trainer.start();
  // The service thread while the engine trains (Kafka heartbeats, HTTP and telemetry run here).
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  while (trainer.status.step < steps) {
    if (trainer.status.phase === 'failed') throw new Error(trainer.status.error ?? 'trainer failed');
    await new Promise((r) => setTimeout(r, 5));
  }
  delay.disable();
  const trainerLoss = trainer.status.loss;
  await trainer.stop();
  await bus.close();
  rmSync(root, { recursive: true, force: true });

  // Steady state: from the end of the first step (sessions warm) to the end of the last.
  const rate = (ends: number[]) => ((ends.length - 1) * tokensPerStep) / ((ends[ends.length - 1] - ends[0]) / 1000);
  const bareTokensPerSecond = rate(bareEnds);
  const trainerTokensPerSecond = rate(trainerEnds);
  return {
    model: { hiddenSize: BENCH_MODEL.hiddenSize, numLayers: BENCH_MODEL.numLayers, vocabSize: BENCH_MODEL.vocabSize, seqLen: SEQ, rowsPerMicroBatch: ROWS, microBatchesPerStep: MICRO },
    steps,
    bareTokensPerSecond,
    trainerTokensPerSecond,
    overheadPercent: (1 - trainerTokensPerSecond / bareTokensPerSecond) * 100,
    // Same interval, same process: wall time of steps 2..N against the time the engine spent in
    // trainStep (the bare LlamaTrainer's work) in them. Immune to the machine's load changing
    // between the bare run and the trainer run.
    serviceOverheadPercentSameRun:
      (1 - engineSeconds.slice(1).reduce((a, b) => a + b, 0) / ((trainerEnds[trainerEnds.length - 1] - trainerEnds[0]) / 1000)) * 100,
    stepSeconds: (tokensPerStep / trainerTokensPerSecond),
    eventLoopDelayWhileTrainingMs: { max: delay.max / 1e6, p99: delay.percentile(99) / 1e6, mean: delay.mean / 1e6 },
    finalLossBare: bareLosses[bareLosses.length - 1],
    finalLossTrainer: trainerLoss,
  };
}

async function main(): Promise<void> {
  const steps = arg('--steps', 8);
  const repeats = arg('--repeats', 2);
  const result: Record<string, unknown> = { command: `node dist/bench/trainer.js ${argv.slice(2).join(' ')}`.trim(), at: new Date().toISOString() };
  // Bare and trainer alternate (the machine is shared); each repeat is one bare run then one trainer run.
  const seqs = await corpusSequences('domain', SEQ, steps * ROWS * MICRO, 600);
  const repeatsOut = [];
  for (let r = 0; r < repeats; r++) {
    repeatsOut.push(await throughputBench(steps, seqs));
    console.log(JSON.stringify(repeatsOut[r]));
  }
  const bestBare = Math.max(...repeatsOut.map((x) => x.bareTokensPerSecond));
  const bestTrainer = Math.max(...repeatsOut.map((x) => x.trainerTokensPerSecond));
  result.throughput = {
    medianServiceOverheadPercentSameRun: repeatsOut.map((x) => x.serviceOverheadPercentSameRun).sort((a, b) => a - b)[Math.floor(repeatsOut.length / 2)],
    repeats: repeatsOut, bestBareTokensPerSecond: bestBare, bestTrainerTokensPerSecond: bestTrainer, overheadPercentBestOfEach: (1 - bestTrainer / bestBare) * 100 };
  if (!argv.includes('--skip-checkpoint')) {
    result.checkpointMobileLLM125M = [await checkpointBench(Infinity), await checkpointBench(512 << 20)];
    console.log(JSON.stringify(result.checkpointMobileLLM125M, null, 2));
  }
  mkdirSync(join(__dirname, '..', '..', 'bench', 'results'), { recursive: true });
  writeFileSync(join(__dirname, '..', '..', 'bench', 'results', 'trainer.json'), JSON.stringify(result, null, 2) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
