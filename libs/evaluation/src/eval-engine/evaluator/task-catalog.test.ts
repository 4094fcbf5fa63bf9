import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TaskSelectionError } from '../../eval';
import { fixturesDir } from '../../eval/testing/reference-fixture';
import { TaskCatalog } from './task-catalog';

// The fixtures hold three MMLU subjects: abstract_algebra (STEM), high_school_government_and_politics
// (social sciences) and world_religions (humanities).
const taskDataDir = () => path.join(fixturesDir(), 'data');

test('"mmlu" expands to the subjects with data (each once), the group and its categories', () => {
  const plan = TaskCatalog.create({ taskDataDir: taskDataDir() }).resolve(['arc_easy', 'mmlu', 'mmlu_world_religions']);
  assert.deepEqual(plan.leaves.map((t) => t.name), ['arc_easy', 'mmlu_abstract_algebra', 'mmlu_high_school_government_and_politics', 'mmlu_world_religions']);
  assert.deepEqual(plan.groups.map((g) => g.name), ['mmlu', 'mmlu_stem', 'mmlu_social_sciences', 'mmlu_humanities']);
  assert.ok(plan.groups.every((g) => g.weightBySize));
  assert.equal(plan.missingInGroups.mmlu.length, 57 - 3, 'the subjects without files are named, not scored');
});

test('the evaluator accepts an MMLU category such as mmlu_stem, as `cptflow eval` does', () => {
  const plan = TaskCatalog.create({ taskDataDir: taskDataDir() }).resolve(['mmlu_stem']);
  assert.deepEqual(plan.leaves.map((t) => t.name), ['mmlu_abstract_algebra']);
  assert.deepEqual(plan.groups.map((g) => [g.name, g.tasks.includes('mmlu_abstract_algebra')]), [['mmlu_stem', true]]);
});

test('mmluSubjects restricts what "mmlu" and its categories stand for', () => {
  const catalog = TaskCatalog.create({ taskDataDir: taskDataDir(), mmluSubjects: ['abstract_algebra', 'anatomy'] });
  const plan = catalog.resolve(['mmlu']);
  assert.deepEqual(plan.leaves.map((t) => t.name), ['mmlu_abstract_algebra']);
  assert.deepEqual(plan.groups.map((g) => [g.name, g.tasks]), [['mmlu', ['mmlu_abstract_algebra', 'mmlu_anatomy']], ['mmlu_stem', ['mmlu_abstract_algebra', 'mmlu_anatomy']]]);
  assert.throws(() => catalog.resolve(['mmlu_humanities']), (e: Error) => e instanceof TaskSelectionError && e.unknown.includes('mmlu_humanities'));
});

test('unknown task names and subjects, and tasks without data, are refused by name', () => {
  const catalog = TaskCatalog.create({ taskDataDir: taskDataDir() });
  assert.throws(
    () => catalog.resolve(['arc_easy', 'arc_medium', 'mmlu_cooking']),
    (e: Error) => e instanceof TaskSelectionError && /arc_medium, mmlu_cooking/.test(e.message),
  );
  assert.throws(() => catalog.resolve(['mmlu_anatomy']), (e: Error) => e instanceof TaskSelectionError && /missing mmlu_anatomy \(split "test"\)/.test(e.message));
  assert.throws(() => TaskCatalog.create({ taskDataDir: taskDataDir(), mmluSubjects: ['cooking'] }), /mmlu_cooking/);
});

test('a task definition file adds a task without engine code', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-tasks-'));
  try {
    fs.mkdirSync(path.join(dir, 'data', 'local', 'sciq'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'data', 'local', 'sciq', 'test.jsonl'), '{"question": "q", "a": "x", "b": "y", "label": 0}\n');
    fs.mkdirSync(path.join(dir, 'defs'));
    fs.writeFileSync(
      path.join(dir, 'defs', 'sciq.json'),
      JSON.stringify({
        name: 'sciq_local',
        dataset: { path: 'local/sciq' },
        testSplit: 'test',
        requiredColumns: ['question', 'a', 'b', 'label'],
        docToText: { template: 'Q: {{question}}\nA:' },
        docToChoice: { columns: ['a', 'b'] },
        docToTarget: { column: 'label' },
        metrics: ['acc', 'acc_norm'],
      }),
    );
    const plan = TaskCatalog.create({ taskDataDir: path.join(dir, 'data'), taskDefinitionsDir: path.join(dir, 'defs') }).resolve(['sciq_local']);
    assert.deepEqual(plan.leaves[0].metrics, ['acc', 'acc_norm']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
