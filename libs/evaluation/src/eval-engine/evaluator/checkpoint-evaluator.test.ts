// Runs continued from one base model each announce it as their step 0: the evaluator scores those
// files once and records the same results for every such checkpoint, and scores anew when the
// files differ or the checkpoint is not a base (real SQLite store, the parity fixture model).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openResultsStore, ResultsStore } from '@cptflow/results';
import { fixturesDir } from '../../eval/testing/reference-fixture';
import { CheckpointEvaluator } from './checkpoint-evaluator';
import { evaluatorSchema } from './evaluator.config';
import { TaskCatalog } from './task-catalog';

let dir: string;
let store: ResultsStore;
let evaluator: CheckpointEvaluator;
const logs: string[] = [];
const fixtureModel = path.join(fixturesDir(), 'model');

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-base-reuse-'));
  const heldout = path.join(dir, 'heldout.jsonl');
  fs.writeFileSync(heldout, ['The river ran high after the rain.', 'A short note on the weather.'].map((text) => JSON.stringify({ text })).join('\n'));
  store = await openResultsStore({ sqlitePath: path.join(dir, 'results.sqlite') });
  const config = evaluatorSchema.parse({ tasks: ['piqa'], taskDataDir: path.join(fixturesDir(), 'data'), limit: 3, heldout: [{ name: 'heldout_general', path: heldout }], apiTokens: ['0123456789abcdef'] });
  evaluator = new CheckpointEvaluator(store.results, TaskCatalog.create(config), config, (m) => logs.push(m));
});

after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function evaluate(run: string, modelDir: string, isBase = true) {
  const checkpoint = await store.results.recordCheckpoint({ run, step: isBase ? 0 : 10, tokensSeen: isBase ? 0 : 1000, path: modelDir, hfPath: modelDir, isBase });
  return evaluator.evaluate(checkpoint);
}

/** Stored scores without ids and checkpoint, comparable across checkpoints. */
const scoresOf = (results: { task: string; metric: string; value: number; stderr: number | null; n: number }[]) =>
  results.map(({ task, metric, value, stderr, n }) => ({ task, metric, value, stderr, n })).sort((a, b) => `${a.task}/${a.metric}`.localeCompare(`${b.task}/${b.metric}`));

test('a base model scored for one run is recorded, not scored again, for the next run from the same files', async () => {
  const first = await evaluate('replay', fixtureModel);
  assert.deepEqual(first.evaluated, ['piqa', 'heldout_general']);
  assert.equal(evaluator.scoredCount, 2);

  // the same files in another directory (cptflow run copies the base model for each run's folder)
  const copy = path.join(dir, 'base-copy');
  fs.cpSync(fixtureModel, copy, { recursive: true });
  const second = await evaluate('no-replay', copy);
  assert.equal(evaluator.scoredCount, 2, 'nothing scored for the second base');
  assert.deepEqual(second.evaluated, ['piqa', 'heldout_general']);
  assert.deepEqual(scoresOf(second.results), scoresOf(first.results));
  const samples = async (o: typeof first) => (await store.results.samplesOf(o.checkpoint.id, 'piqa', 'acc')).items.map((s) => [s.docIndex, s.predicted, s.correct, s.logprobs]);
  assert.deepEqual(await samples(second), await samples(first), 'per-sample predictions recorded too');
  assert.ok(logs.some((l) => /^no-replay@0 piqa: as scored for replay@0 \(the same base model\)$/.test(l)), logs.join('\n'));
});

test('a base model whose weights differ, or a checkpoint that is no base, is scored anew', async () => {
  const changed = path.join(dir, 'base-changed');
  fs.cpSync(fixtureModel, changed, { recursive: true });
  const weights = path.join(changed, fs.readdirSync(changed).find((n) => n.endsWith('.safetensors'))!);
  const bytes = fs.readFileSync(weights);
  bytes[bytes.length - 1] ^= 0x01; // the last byte of the last tensor: still a valid file, other weights
  fs.writeFileSync(weights, bytes);
  const before = evaluator.scoredCount;
  await evaluate('other-base', changed);
  assert.equal(evaluator.scoredCount, before + 2);
  await evaluate('replay', fixtureModel, false);
  assert.equal(evaluator.scoredCount, before + 4, 'a trained checkpoint is always scored');
});
