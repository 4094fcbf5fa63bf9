// Freshness: how long from a corpus landing on the raw topic until the first evaluated checkpoint that
// has trained on it, and how that time splits across the stages. Everything runs and waits for data
// first (quality filter, dedup, packer, trainer with its model loaded, evaluator), in one process on the
// in-process bus, as `cptflow run` wires them; then the corpus is published and each stage's first
// output is timed by an observer on its topic (its own consumer group, so it takes nothing away).
//
//   npm run build && node dist/bench/freshness.js [--docs 40] [--repeats 3] [--seq-len 64]
//        [--checkpoint-steps 2] [--heldout-docs 3] [--kafka host:port]
//
// With --kafka (or KAFKA_BROKERS) the same is measured a second time with the stages on that Kafka
// broker (still one process, fresh topic names per run), next to the in-process bus.
//
// The model is cptflow-tiny (libs/model/src/model-config), randomly initialised: freshness is about the plumbing
// and the per-step/per-checkpoint cost, not about the weights. A checkpoint is due every
// --checkpoint-steps steps of 4 rows x seq-len tokens; the evaluator scores held-out domain perplexity on
// --heldout-docs documents. Writes bench/results/freshness.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadConfig, type CptflowConfig, deadLetterTopic, createBus, type Bus } from '@cptflow/platform';
import { ingestToBus } from '@cptflow/data';
import { LocalPipeline } from '@cptflow/local-run';
import { PRESETS } from '@cptflow/model';
import { ContinuousTrainer } from '@cptflow/training';
import { EvaluatorApp } from '../services/evaluator/src/evaluator.app';
import { evaluatorSchema } from '@cptflow/evaluation';

const ROOT = path.resolve(__dirname, '..', '..');
const CORPORA = path.join(ROOT, 'data', 'corpora');
const BATCH_ROWS = 4;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The moments each stage first (and last, for the document stages) produced output, in ms since t0. */
interface Timeline {
  landedOnRaw: number;
  qualityFilterFirst: number;
  qualityFilterLast: number;
  dedupFirst: number;
  dedupLast: number;
  packerFirst: number;
  packerLast: number;
  trainerFirstStep: number;
  checkpointWritten: number;
  evaluationStored: number;
}

/** First/last arrival time on a topic, seen by an extra consumer group. */
async function observe(bus: Bus, topic: string, group: string): Promise<{ first: () => number | null; last: () => number | null; count: () => number }> {
  let first: number | null = null;
  let last: number | null = null;
  let count = 0;
  await bus.ensureTopics([topic]);
  await bus.consume({
    groupId: group,
    topics: [topic],
    handler: async (batch) => {
      const now = performance.now();
      first ??= now;
      last = now;
      count += batch.records.length;
      return [];
    },
  });
  return { first: () => first, last: () => last, count: () => count };
}

async function until(what: string, timeoutMs: number, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

type RunResult = Timeline & { documents: number; packedSequences: number; step: number; tokensSeen: number };

async function oneRun(repeat: number, corpusFile: string, brokers: string[] | null, o: { seqLen: number; checkpointSteps: number; heldoutDocs: number }): Promise<RunResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-freshness-'));
  const bus0 = brokers ? { kind: 'kafka', brokers, partitions: 1, maxBatchRecords: 64 } : { kind: 'memory' };
  const defaults: CptflowConfig = loadConfig({ env: {}, overrides: { bus: bus0 } });
  // Fresh topics per run on Kafka, so no run reads what an earlier one left there.
  const prefix = `freshness${Date.now()}`;
  const topics = brokers
    ? Object.fromEntries(Object.entries(defaults.topics).map(([k, v]) => [k, k === 'deadLetterPrefix' ? prefix : `${prefix}.${v}`]))
    : defaults.topics;
  const config: CptflowConfig = loadConfig({ env: {}, overrides: { bus: bus0, topics, http: { port: 0, host: '127.0.0.1' }, stages: { packer: { seqLen: o.seqLen } } } });
  const bus = createBus(config.bus);
  const pipeline = await LocalPipeline.start({ config, bus });
  const raw = await observe(bus, topics.docsRaw, 'freshness.raw');
  const filtered = await observe(bus, topics.docsFiltered, 'freshness.filtered');
  const unique = await observe(bus, topics.docsUnique, 'freshness.unique');
  const packed = await observe(bus, topics.seqsPacked, 'freshness.packed');
  const checkpoints = await observe(bus, topics.checkpoints, 'freshness.checkpoints');
  const evals = await observe(bus, topics.evals, 'freshness.evals');

  const evaluator = await EvaluatorApp.start({
    config,
    bus,
    logger: ['error', 'warn'],
    log: () => undefined,
    evaluator: evaluatorSchema.parse({
      tasks: [],
      taskDataDir: path.join(dir, 'no-tasks'),
      heldout: [{ name: 'heldout_domain', path: path.join(CORPORA, 'domain.heldout.jsonl.gz'), maxDocuments: o.heldoutDocs }],
      perplexityMaxLength: o.seqLen,
      apiTokens: ['freshness-bench-token-0123'],
      sqlitePath: path.join(dir, 'results.sqlite'),
    }),
  });
  const trainer = new ContinuousTrainer({
    run: `freshness-${repeat}`,
    bus,
    topics: { sequences: topics.seqsPacked, checkpoints: topics.checkpoints, deadLetterPrefix: topics.deadLetterPrefix },
    model: { kind: 'random', config: PRESETS['cptflow-tiny'], seed: 1 },
    tokenizer: { path: pipeline.tokenizer.tokenizerPath, id: pipeline.tokenizer.tokenizerId },
    batchRows: BATCH_ROWS,
    seqLen: o.seqLen,
    tokensPerStep: BATCH_ROWS * o.seqLen,
    adamw: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    maxGradNorm: 1,
    schedule: { kind: 'constant', peakLr: 1e-3, warmupSteps: 0 },
    checkpoint: { dir: path.join(dir, 'checkpoints'), everyTokens: o.checkpointSteps * BATCH_ROWS * o.seqLen, keepLast: 100, maxShardBytes: 16 << 20, memoryBudgetBytes: 256 << 20 },
  });
  await trainer.start();
  try {
    // Every stage idle and waiting: the trainer has its model and engine up and asks for data.
    await until('the trainer to wait for data', 120_000, () => trainer.status.phase === 'waiting-for-data');
    let firstStepAt: number | null = null;
    const stepWatch = setInterval(() => {
      if (firstStepAt === null && trainer.status.step >= 1) firstStepAt = performance.now();
    }, 1);

    const summary = await ingestToBus(corpusFile, bus, { topics: { raw: topics.docsRaw, deadLetter: deadLetterTopic('ingest', topics.deadLetterPrefix) }, reader: { corpus: 'domain' } });
    await until('an evaluated checkpoint', 300_000, () => evals.first() !== null);
    clearInterval(stepWatch);
    const t0 = raw.first()!;
    const at = (t: number | null) => (t === null ? NaN : Math.round(t - t0));
    return {
      documents: summary.documents,
      packedSequences: packed.count(),
      step: trainer.status.step,
      tokensSeen: trainer.status.tokensSeen,
      landedOnRaw: 0,
      qualityFilterFirst: at(filtered.first()),
      qualityFilterLast: at(filtered.last()),
      dedupFirst: at(unique.first()),
      dedupLast: at(unique.last()),
      packerFirst: at(packed.first()),
      packerLast: at(packed.last()),
      trainerFirstStep: at(firstStepAt),
      checkpointWritten: at(checkpoints.first()),
      evaluationStored: at(evals.first()),
    };
  } finally {
    await trainer.stop();
    await pipeline.stop();
    await evaluator.stop();
    await bus.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : Math.round((s[s.length / 2 - 1] + s[s.length / 2]) / 2);
}

async function main(): Promise<void> {
  const docs = option('docs', 40);
  const repeats = option('repeats', 3);
  const settings = { seqLen: option('seq-len', 64), checkpointSteps: option('checkpoint-steps', 2), heldoutDocs: option('heldout-docs', 3) };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-freshness-corpus-'));
  const corpusFile = path.join(tmp, 'domain-slice.jsonl');
  const lines = gunzipSync(fs.readFileSync(path.join(CORPORA, 'domain.jsonl.gz'))).toString('utf8').split('\n').filter(Boolean);
  fs.writeFileSync(corpusFile, lines.slice(0, docs).join('\n') + '\n');

  const kafkaAt = process.argv.indexOf('--kafka');
  const brokers = kafkaAt > 0 ? process.argv[kafkaAt + 1] : process.env.KAFKA_BROKERS;
  const results = [];
  for (const bus of brokers ? [null, brokers.split(',')] : [null]) {
    const runs: RunResult[] = [];
    for (let r = 0; r < repeats; r++) {
      const run = await oneRun(r, corpusFile, bus, settings);
      console.log(`${bus ? 'kafka' : 'memory'} bus, run ${r + 1}/${repeats}: evaluated checkpoint ${run.evaluationStored} ms after the corpus landed`);
      runs.push(run);
    }
    results.push(summarise(runs, bus ? 'Kafka broker (KRaft, one node, loopback), all stages in one process' : 'in-process (memory) bus, all stages in one process', settings));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const out = {
    benchmark: 'freshness: corpus on the raw topic -> first evaluated checkpoint trained on it',
    command: `node dist/bench/freshness.js --docs ${docs} --repeats ${repeats} --seq-len ${settings.seqLen} --checkpoint-steps ${settings.checkpointSteps} --heldout-docs ${settings.heldoutDocs}${brokers ? ' --kafka <brokers>' : ''}`,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    setup: { model: 'cptflow-tiny (random init)', batchRows: BATCH_ROWS, ...settings, documents: docs, corpus: 'first documents of data/corpora/domain.jsonl.gz' },
    results,
  };
  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'freshness.json'), JSON.stringify(out, null, 2) + '\n');
  for (const r of results) {
    console.log(r.bus);
    console.table(r.stages);
    console.log(`median total: ${r.medianMs.totalToEvaluatedCheckpoint} ms`);
  }
  console.log('wrote bench/results/freshness.json');
}

function summarise(runs: RunResult[], bus: string, settings: { checkpointSteps: number }) {
  const keys = ['qualityFilterFirst', 'dedupFirst', 'packerFirst', 'trainerFirstStep', 'checkpointWritten', 'evaluationStored'] as const;
  const medianAt = Object.fromEntries(keys.map((k) => [k, median(runs.map((x) => x[k]))])) as Record<(typeof keys)[number], number>;
  // Each stage's share: the time from the previous stage's first output to its own.
  const stages = [
    { stage: 'quality filter (raw -> first filtered document)', ms: medianAt.qualityFilterFirst },
    { stage: 'dedup (-> first unique document)', ms: medianAt.dedupFirst - medianAt.qualityFilterFirst },
    { stage: 'packer (-> first packed sequence)', ms: medianAt.packerFirst - medianAt.dedupFirst },
    { stage: 'trainer (-> first optimizer step on it done)', ms: medianAt.trainerFirstStep - medianAt.packerFirst },
    { stage: `trainer (-> checkpoint written and announced, step ${settings.checkpointSteps})`, ms: medianAt.checkpointWritten - medianAt.trainerFirstStep },
    { stage: 'evaluator (-> held-out perplexity stored)', ms: medianAt.evaluationStored - medianAt.checkpointWritten },
  ];
  return { bus, medianMs: { totalToEvaluatedCheckpoint: medianAt.evaluationStored, ...medianAt }, stages, runs };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
