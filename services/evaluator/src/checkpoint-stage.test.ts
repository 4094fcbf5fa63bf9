// The checkpoint stage's batch handler against a real SQLite store and the parity fixture model
// (no broker: the handler is what any Bus calls).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointEvent, codecFor, DeadLetter, EvalEvent } from '../../../libs/contracts/src';
import { fixturesDir } from '../../../libs/eval/src/testing/reference-fixture';
import { openResultsStore, ResultsStore } from '../../../libs/results-store/src';
import type { ConsumedRecord } from '../../../libs/transport/src/bus';
import { CheckpointEvaluator } from './checkpoint-evaluator';
import { CheckpointStage } from './checkpoint-stage';
import { EvaluationLock } from './evaluation-lock';
import { evaluatorSchema } from './evaluator.config';
import { TaskCatalog } from './task-catalog';

const checkpointCodec = codecFor<CheckpointEvent>(CheckpointEvent);
const evalCodec = codecFor<EvalEvent>(EvalEvent);
const deadLetterCodec = codecFor<DeadLetter>(DeadLetter);

let dir: string;
let store: ResultsStore;
let evaluator: CheckpointEvaluator;
let stage: CheckpointStage;
const modelDir = () => path.join(fixturesDir(), 'model');

function record(value: Buffer, offset: number): ConsumedRecord {
  return { topic: 'cpt.checkpoints', partition: 0, offset: String(offset), value, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-stage-'));
  store = await openResultsStore({ sqlitePath: path.join(dir, 'results.sqlite') });
  const config = evaluatorSchema.parse({ tasks: ['piqa', 'mmlu'], mmluSubjects: ['abstract_algebra'], taskDataDir: path.join(fixturesDir(), 'data'), limit: 3, apiTokens: ['0123456789abcdef'] });
  evaluator = new CheckpointEvaluator(store.results, TaskCatalog.create({ mmluSubjects: config.mmluSubjects }), config);
  stage = new CheckpointStage(store.results, evaluator, new EvaluationLock(), { groupId: 'g', checkpointsTopic: 'cpt.checkpoints', evalsTopic: 'cpt.evals', deadLetterPrefix: 'cpt' });
});

after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('bad records are dead-lettered with their reason; the good one in the same batch is evaluated', async () => {
  const good = checkpointCodec.encode({ run: 'r1', step: 10, tokensSeen: 1000, path: modelDir(), isBase: true });
  const missing = checkpointCodec.encode({ run: 'r1', step: 20, tokensSeen: 2000, path: path.join(dir, 'no-such-export'), isBase: false });
  const out = await stage.handle({ topic: 'cpt.checkpoints', partition: 0, records: [record(Buffer.from([0xff, 0x01]), 0), record(missing, 1), record(good, 2)] });
  assert.deepEqual(out.map((r) => r.topic), ['cpt.dlq.evaluator', 'cpt.dlq.evaluator', 'cpt.evals']);
  assert.match(deadLetterCodec.decode(out[0].value).error!, /^ContractError/);
  assert.match(deadLetterCodec.decode(out[1].value).error!, /ModelDirError: .*no-such-export: no tokenizer\.json/);
  const evalEvent = evalCodec.decode(out[2].value);
  assert.equal(out[2].key, 'r1');
  assert.equal(out[2].headers?.traceparent, record(good, 2).headers.traceparent, 'trace context carried to the EvalEvent');
  assert.deepEqual(evalEvent.scores!.map((s) => `${s.task}/${s.metric}/${s.n}`).sort(), ['mmlu/acc/3', 'mmlu_abstract_algebra/acc/3', 'piqa/acc/3', 'piqa/acc_norm/3']);
});

test('stored results with the same settings are skipped; other settings are scored and replace them', async () => {
  const checkpoint = (await store.results.findCheckpointByStep('r1', 10))!;
  const scored = evaluator.scoredCount;
  const again = await evaluator.evaluate(checkpoint);
  assert.deepEqual(again.evaluated, []);
  assert.deepEqual(again.skipped.sort(), ['mmlu', 'mmlu_abstract_algebra', 'piqa']);
  assert.equal(evaluator.scoredCount, scored);

  // a fraction is a share of the split, rounded up, as lm_eval's --limit
  const half = await evaluator.evaluate(checkpoint, { tasks: ['piqa'], limit: 0.5, numFewshot: null });
  assert.deepEqual(half.evaluated, ['piqa']);
  const piqa = half.results.filter((r) => r.task === 'piqa');
  assert.deepEqual(piqa.map((r) => [r.n, r.settings.limit]), [[4, 0.5], [4, 0.5]]);
  const samples = await store.results.samplesOf(checkpoint.id, 'piqa', 'acc');
  assert.equal(samples.total, 4);
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

test('a database that does not answer is not the record fault: the batch throws and will be retried', async () => {
  const broken = await openResultsStore({ sqlitePath: path.join(dir, 'other.sqlite') });
  await broken.close();
  const config = evaluatorSchema.parse({ tasks: ['piqa'], taskDataDir: path.join(fixturesDir(), 'data'), apiTokens: ['0123456789abcdef'] });
  const brokenStage = new CheckpointStage(broken.results, new CheckpointEvaluator(broken.results, TaskCatalog.create(), config), new EvaluationLock(), {
    groupId: 'g',
    checkpointsTopic: 'cpt.checkpoints',
    evalsTopic: 'cpt.evals',
    deadLetterPrefix: 'cpt',
  });
  const event = checkpointCodec.encode({ run: 'r2', step: 1, tokensSeen: 1, path: modelDir(), isBase: false });
  await assert.rejects(brokenStage.handle({ topic: 'cpt.checkpoints', partition: 0, records: [record(event, 0)] }));
});
