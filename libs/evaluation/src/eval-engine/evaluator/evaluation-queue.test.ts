import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fixturesDir } from '../../eval/testing/reference-fixture';
import { type CheckpointView, openResultsStore, ResultsError, type ResultsStore } from '@cptflow/results';
import { EvaluationQueue } from './evaluation-queue';
import { TaskCatalog } from './task-catalog';

let dir: string;
let store: ResultsStore;
let queue: EvaluationQueue;
let checkpoint: CheckpointView;
let wakes = 0;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-queue-'));
  store = await openResultsStore({ sqlitePath: path.join(dir, 'results.sqlite') });
  queue = new EvaluationQueue(store.jobs, TaskCatalog.create({ taskDataDir: path.join(fixturesDir(), 'data') }), () => wakes++);
  checkpoint = await store.results.recordCheckpoint({ run: 'r', step: 10, tokensSeen: 100, path: dir, isBase: false });
});

after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('POST /evaluations takes the names `cptflow eval` takes: an MMLU category such as mmlu_stem is queued', async () => {
  const ticket = await queue.requestEvaluation({ checkpoint, tasks: ['mmlu_stem', 'arc_easy'], limit: 2, numFewshot: null });
  const job = await queue.evaluation(ticket.id);
  assert.equal(job?.state, 'queued');
  assert.equal(wakes, 1, 'the worker is woken');
});

test('an unknown task, or one without task files, is refused at once (a 400), naming it; nothing is queued', async () => {
  const before = await store.jobs.counts();
  const refused = async (tasks: string[], pattern: RegExp) =>
    assert.rejects(queue.requestEvaluation({ checkpoint, tasks, limit: null, numFewshot: null }), (e: Error) => e instanceof ResultsError && e.kind === 'invalid' && pattern.test(e.message));
  await refused(['mmlu_cooking'], /unknown task\(s\): mmlu_cooking/);
  await refused(['mmlu_anatomy'], /missing mmlu_anatomy \(split "test"\)/);
  assert.deepEqual(await store.jobs.counts(), before);
});

test('a numFewshot the few-shot split cannot supply is refused at once (a 400) naming the task and its pool, also for the configured tasks; nothing is queued', async () => {
  const before = await store.jobs.counts();
  const refusal = (pattern: RegExp) => (e: Error) => e instanceof ResultsError && e.kind === 'invalid' && pattern.test(e.message);
  await assert.rejects(
    queue.requestEvaluation({ checkpoint, tasks: ['arc_easy', 'mmlu_stem'], limit: null, numFewshot: 1_000_000_000 }),
    refusal(/arc_easy: 1000000000-shot needs 1000000000 examples from split "train", which has \d+\n.*mmlu_/s),
  );
  // Without a task list the job scores the configured tasks, so their pools are checked too.
  const configured = new EvaluationQueue(store.jobs, TaskCatalog.create({ taskDataDir: path.join(fixturesDir(), 'data'), tasks: ['arc_easy'] }));
  await assert.rejects(configured.requestEvaluation({ checkpoint, tasks: null, limit: null, numFewshot: 500 }), refusal(/^arc_easy: 500-shot needs 500 examples/));
  assert.deepEqual(await store.jobs.counts(), before);
  const fits = await configured.requestEvaluation({ checkpoint, tasks: null, limit: null, numFewshot: 2 });
  assert.equal((await queue.evaluation(fits.id))?.state, 'queued');
});
