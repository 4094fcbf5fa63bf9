// The checkpoint stage's batch handler and the evaluation worker against a real SQLite store and the
// parity fixture model (no broker: the handler is what any Bus calls; published records are kept).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { digestFiles } from '@cptflow/training';
import {
  CheckpointEvent,
  codecFor,
  DeadLetter,
  EvalEvent,
  type Bus,
  type ConsumedRecord,
  type OutgoingRecord,
} from '@cptflow/platform';
import { fixturesDir } from '../../eval/testing/reference-fixture';
import { openResultsStore, ResultsStore } from '@cptflow/results';
import { CheckpointEvaluator } from './checkpoint-evaluator';
import { CheckpointStage } from './checkpoint-stage';
import { EvaluationWorker, EvaluationWorkerOptions } from './evaluation-worker';
import { EvaluatorConfig, evaluatorSchema } from './evaluator.config';
import { TaskCatalog } from './task-catalog';

const checkpointCodec = codecFor<CheckpointEvent>(CheckpointEvent);
const evalCodec = codecFor<EvalEvent>(EvalEvent);
const deadLetterCodec = codecFor<DeadLetter>(DeadLetter);
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** A Bus that keeps what is published (the worker publishes EvalEvents and dead letters). */
class RecordingBus implements Bus {
  readonly published: OutgoingRecord[] = [];
  failPublishes = 0;
  async ensureTopics(): Promise<void> {}
  async publish(records: OutgoingRecord[]): Promise<void> {
    if (this.failPublishes > 0 && this.failPublishes--) throw new Error('broker unreachable (injected)');
    this.published.push(...records);
  }
  async consume(): Promise<never> {
    throw new Error('not used');
  }
  async consumeFrom(): Promise<never> {
    throw new Error('not used');
  }
  async ensureStateTopic(): Promise<void> {}
  async readState(): Promise<never> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
  take(): OutgoingRecord[] {
    return this.published.splice(0);
  }
}

let dir: string;
let store: ResultsStore;
let config: EvaluatorConfig;
let evaluator: CheckpointEvaluator;
let stage: CheckpointStage;
const modelDir = () => path.join(fixturesDir(), 'model');
const FAST: Omit<EvaluationWorkerOptions, 'log'> = { leaseMs: 60_000, maxAttempts: 3, retryBackoffMs: 20, maxBackoffMs: 100, pollMs: 20 };

let nextOffset = 0;
function record(value: Buffer, offset = nextOffset++): ConsumedRecord {
  return { topic: 'cpt.checkpoints', partition: 0, offset: String(offset), value, headers: { traceparent: TRACEPARENT } };
}

function event(e: CheckpointEvent): ConsumedRecord {
  return record(checkpointCodec.encode(e));
}

/** Runs a worker until `done()` holds, then stops it. */
async function runWorker(worker: EvaluationWorker, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  worker.start();
  const deadline = Date.now() + timeoutMs;
  try {
    while (!(await done())) {
      assert.ok(Date.now() < deadline, 'worker did not finish in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await worker.stop();
  }
}

const idle = async () => {
  const c = await store.jobs.counts();
  return c.queued === 0 && c.running === 0;
};

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-stage-'));
  store = await openResultsStore({ sqlitePath: path.join(dir, 'results.sqlite') });
  config = evaluatorSchema.parse({ tasks: ['piqa', 'mmlu'], mmluSubjects: ['abstract_algebra'], taskDataDir: path.join(fixturesDir(), 'data'), limit: 3, apiTokens: ['0123456789abcdef'] });
  evaluator = new CheckpointEvaluator(store.results, TaskCatalog.create(config), config);
  stage = new CheckpointStage(store.results, evaluator, store.jobs, { groupId: 'g', checkpointsTopic: 'cpt.checkpoints', evalsTopic: 'cpt.evals', deadLetterPrefix: 'cpt' });
});

after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the handler records one job per event and dead-letters malformed ones at once; a re-delivered batch records nothing twice', async () => {
  const batch = {
    topic: 'cpt.checkpoints',
    partition: 0,
    records: [
      record(Buffer.from([0xff, 0x01])),
      event({ run: 'r\u0000nul', step: 5, tokensSeen: 1, path: modelDir(), isBase: false }),
      event({ run: 'r1', step: 10, tokensSeen: 1000, path: modelDir(), isBase: true }),
    ],
  };
  const out = await stage.handle(batch);
  assert.deepEqual(out.map((r) => r.topic), ['cpt.dlq.evaluator', 'cpt.dlq.evaluator']);
  assert.match(deadLetterCodec.decode(out[0].value).error!, /^ContractError/);
  assert.match(deadLetterCodec.decode(out[1].value).error!, /ResultsError: run: name must be .* without surrounding spaces or NUL/);
  assert.deepEqual(await store.jobs.counts(), { queued: 1, running: 0, done: 0, dead: 0 });
  await stage.handle(batch);
  assert.equal((await store.jobs.counts()).queued, 1, 'the same records make no second job');
});

test('the worker evaluates outside the batch and publishes the EvalEvent with the trace context of the event', async () => {
  const bus = new RecordingBus();
  await runWorker(new EvaluationWorker(store.jobs, store.results, stage, bus, { ...FAST, log: () => undefined }), idle);
  const [out] = bus.take();
  assert.equal(out.topic, 'cpt.evals');
  assert.equal(out.key, 'r1');
  assert.equal(out.headers?.traceparent, TRACEPARENT, 'trace context carried to the EvalEvent');
  assert.deepEqual(evalCodec.decode(out.value).scores!.map((s) => `${s.task}/${s.metric}/${s.n}`).sort(), ['mmlu/acc/3', 'mmlu_abstract_algebra/acc/3', 'mmlu_stem/acc/3', 'piqa/acc/3', 'piqa/acc_norm/3']);
  assert.deepEqual(await store.jobs.counts(), { queued: 0, running: 0, done: 1, dead: 0 });
});

test('a task whose version changed since it was scored is scored again', async () => {
  const checkpoint = (await store.results.findCheckpointByStep('r1', 10))!;
  const stored = (await store.results.resultsOf(checkpoint.id)).results.filter((r) => r.task === 'piqa');
  assert.equal(stored.length, 2, 'piqa was scored by the tests above');
  const { limit, numFewshot } = stored[0].settings;
  // as if piqa had been scored under an older definition of the task
  const older = { ...stored[0].settings, taskVersion: '0' };
  await store.results.recordResults(checkpoint.id, stored.map((r) => ({ task: r.task, metric: r.metric, value: r.value, stderr: r.stderr, n: r.n, settings: older })));

  const scored = evaluator.scoredCount;
  const again = await evaluator.evaluate(checkpoint, { tasks: ['piqa'], limit, numFewshot });
  assert.deepEqual(again.skipped, [], 'results stored under task version 0 do not count as done');
  assert.deepEqual(again.evaluated, ['piqa']);
  assert.equal(evaluator.scoredCount, scored + 1);
  const piqa = again.results.filter((r) => r.task === 'piqa');
  assert.ok(piqa.every((r) => r.settings.taskVersion !== '0'), 'the re-scored results carry the current task version');
});

test('a bad checkpoint (empty tokenizer.json, missing export) is dead-lettered with its reason and the events behind it are evaluated', async () => {
  const broken = path.join(dir, 'broken-export');
  fs.cpSync(modelDir(), broken, { recursive: true });
  fs.writeFileSync(path.join(broken, 'tokenizer.json'), '');
  await stage.handle({
    topic: 'cpt.checkpoints',
    partition: 0,
    records: [
      event({ run: 'r3', step: 1, tokensSeen: 1, path: broken, isBase: true }),
      event({ run: 'r3', step: 2, tokensSeen: 2, path: path.join(dir, 'no-such-export'), isBase: false }),
      event({ run: 'r3', step: 3, tokensSeen: 3, path: modelDir(), isBase: false }),
    ],
  });
  const bus = new RecordingBus();
  await runWorker(new EvaluationWorker(store.jobs, store.results, stage, bus, { ...FAST, log: () => undefined }), idle);
  const out = bus.take();
  assert.deepEqual(out.map((r) => r.topic), ['cpt.dlq.evaluator', 'cpt.dlq.evaluator', 'cpt.evals']);
  const letters = out.slice(0, 2).map((r) => deadLetterCodec.decode(r.value));
  assert.match(letters[0].error!, /tokenizer\.json/);
  assert.equal(letters[0].offset, String(nextOffset - 3), 'the dead letter names the consumed record');
  assert.match(letters[1].error!, /ModelDirError: .*no-such-export: no tokenizer\.json/);
  assert.equal(Number(evalCodec.decode(out[2].value).step), 3);
  assert.deepEqual(await store.jobs.counts(), { queued: 0, running: 0, done: 2, dead: 2 });
});

test('an export whose files differ from the sha256 in the event is dead-lettered and never scored', async () => {
  const exportDir = path.join(dir, 'export');
  fs.cpSync(modelDir(), exportDir, { recursive: true });
  const files = await digestFiles(exportDir, fs.readdirSync(exportDir).sort());
  const weights = path.join(exportDir, 'model.safetensors');
  const bytes = fs.readFileSync(weights);
  bytes[bytes.length - 3] ^= 0x7f; // same size: only the hash tells
  fs.writeFileSync(weights, bytes);
  await stage.handle({ topic: 'cpt.checkpoints', partition: 0, records: [event({ run: 'r4', step: 7, tokensSeen: 7, path: dir, hfPath: exportDir, isBase: true, hfFiles: files })] });
  const bus = new RecordingBus();
  await runWorker(new EvaluationWorker(store.jobs, store.results, stage, bus, { ...FAST, log: () => undefined }), idle);
  const out = bus.take();
  assert.deepEqual(out.map((r) => r.topic), ['cpt.dlq.evaluator']);
  assert.match(deadLetterCodec.decode(out[0].value).error!, /FileDigestMismatch: .*model\.safetensors: sha256 differs/);
  assert.equal(await store.results.findCheckpointByStep('r4', 7), null, 'nothing stored for it');
});

test('transient failures are retried with backoff, then dead-lettered once the attempts are used up', async () => {
  // The database the evaluation writes to does not answer (closed); the jobs table is fine.
  const down = await openResultsStore({ sqlitePath: path.join(dir, 'down.sqlite') });
  await down.close();
  const downStage = new CheckpointStage(down.results, new CheckpointEvaluator(down.results, TaskCatalog.create(config), config), store.jobs, {
    groupId: 'g',
    checkpointsTopic: 'cpt.checkpoints',
    evalsTopic: 'cpt.evals',
    deadLetterPrefix: 'cpt',
  });
  // Recording the job needs the database too: the handler throws, and the bus retries the batch with backoff.
  const noJobs = new CheckpointStage(down.results, new CheckpointEvaluator(down.results, TaskCatalog.create(config), config), down.jobs, { groupId: 'g', checkpointsTopic: 'cpt.checkpoints', evalsTopic: 'cpt.evals', deadLetterPrefix: 'cpt' });
  await assert.rejects(noJobs.handle({ topic: 'cpt.checkpoints', partition: 0, records: [event({ run: 'r5', step: 1, tokensSeen: 1, path: modelDir(), isBase: true })] }));
  await stage.handle({ topic: 'cpt.checkpoints', partition: 0, records: [event({ run: 'r5', step: 1, tokensSeen: 1, path: modelDir(), isBase: true })] });
  const lines: string[] = [];
  const bus = new RecordingBus();
  await runWorker(new EvaluationWorker(store.jobs, down.results, downStage, bus, { ...FAST, log: (l) => lines.push(l) }), idle);
  assert.equal(lines.filter((l) => /failed, retrying in \d+ ms: the results database does not answer/.test(l)).length, FAST.maxAttempts - 1, lines.join('\n'));
  const out = bus.take();
  assert.deepEqual(out.map((r) => r.topic), ['cpt.dlq.evaluator']);
  assert.match(deadLetterCodec.decode(out[0].value).error!, /does not answer/);

  // The broker refusing the EvalEvent is transient too: retried, then published once.
  await stage.handle({ topic: 'cpt.checkpoints', partition: 0, records: [event({ run: 'r1', step: 10, tokensSeen: 1000, path: modelDir(), isBase: true })] });
  bus.failPublishes = 1;
  await runWorker(new EvaluationWorker(store.jobs, store.results, stage, bus, { ...FAST, log: () => undefined }), idle);
  assert.deepEqual(bus.take().map((r) => r.topic), ['cpt.evals']);
});

test('a job left running by a dead worker is claimed again when its lease runs out; no result is lost or doubled', async () => {
  await stage.handle({ topic: 'cpt.checkpoints', partition: 0, records: [event({ run: 'r6', step: 1, tokensSeen: 1, path: modelDir(), isBase: true })] });
  const abandoned = await store.jobs.claim(150); // a worker that then died
  assert.equal(abandoned?.attempts, 1);
  assert.equal(await store.jobs.claim(150), null, 'leased: nobody else takes it');
  const bus = new RecordingBus();
  await runWorker(new EvaluationWorker(store.jobs, store.results, stage, bus, { ...FAST, leaseMs: 150, log: () => undefined }), idle);
  const job = await store.jobs.find(abandoned!.id);
  assert.deepEqual([job?.state, job?.attempts], ['done', 2]);
  const checkpoint = (await store.results.findCheckpointByStep('r6', 1))!;
  const results = (await store.results.resultsOf(checkpoint.id)).results;
  assert.deepEqual(results.map((r) => `${r.task}/${r.metric}`).sort(), ['mmlu/acc', 'mmlu_abstract_algebra/acc', 'mmlu_stem/acc', 'piqa/acc', 'piqa/acc_norm']);
  assert.equal((await store.results.samplesOf(checkpoint.id, 'piqa', 'acc')).total, 3);
});
