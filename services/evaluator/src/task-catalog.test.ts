import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TaskCatalog, UnknownTaskError } from './task-catalog';

test('"mmlu" expands to its subjects (each once) plus the micro-averaged group', () => {
  const catalog = TaskCatalog.create({ mmluSubjects: ['anatomy', 'virology'] });
  const plan = catalog.resolve(['arc_easy', 'mmlu', 'mmlu_anatomy']);
  assert.deepEqual(plan.leaves.map((t) => t.name), ['arc_easy', 'mmlu_anatomy', 'mmlu_virology']);
  assert.deepEqual(plan.groups.map((g) => [g.name, g.tasks, g.weightBySize]), [['mmlu', ['mmlu_anatomy', 'mmlu_virology'], true]]);
  assert.equal(TaskCatalog.create().resolve(['mmlu']).leaves.length, 57);
});

test('unknown task names and subjects are refused by name', () => {
  const catalog = TaskCatalog.create();
  assert.throws(() => catalog.resolve(['arc_easy', 'arc_medium', 'mmlu_cooking']), (e: Error) => e instanceof UnknownTaskError && /arc_medium, mmlu_cooking/.test(e.message));
  assert.throws(() => TaskCatalog.create({ mmluSubjects: ['cooking'] }), /cooking/);
});

test('a task definition file adds a task without engine code', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cptflow-tasks-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'sciq.json'),
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
    const plan = TaskCatalog.create({ taskDefinitionsDir: dir }).resolve(['sciq_local']);
    assert.deepEqual(plan.leaves[0].metrics, ['acc', 'acc_norm']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
