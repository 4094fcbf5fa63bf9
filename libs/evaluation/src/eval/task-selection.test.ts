// Task data where users have it (hub snapshot layout, the hub cache a download leaves, a
// --local-dir folder, flat <task>/<split>.jsonl) and the all-at-once check of requested tasks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSplit } from './dataset-reader';
import { loadTaskDocs } from './evaluate';
import { builtinTasks } from './builtin-tasks';
import { fixturesDir } from './testing';
import { selectTasks, TaskSelectionError } from './task-selection';

const fixtureData = () => path.join(fixturesDir(), 'data');

function withDir(fn: (dir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'task-selection-'));
    try {
      await fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
}

describe('task data layouts', () => {
  it('reads the hub cache a dataset download leaves (datasets--<org>--<name>/snapshots/<rev>/<config>/<split>-*.parquet)', withDir(async (dir) => {
    const snapshot = path.join(dir, 'datasets--allenai--ai2_arc', 'snapshots', '0123abcd');
    fs.cpSync(path.join(fixtureData(), 'allenai', 'ai2_arc'), snapshot, { recursive: true });
    const docs = await loadTaskDocs(dir, builtinTasks().get('arc_challenge')!);
    assert.equal(docs.evalDocs.length, 8);
  }));

  it('reads a --local-dir download named after the repository (ai2_arc/ARC-Easy/test-00000-of-00001.parquet)', withDir(async (dir) => {
    fs.cpSync(path.join(fixtureData(), 'allenai', 'ai2_arc'), path.join(dir, 'ai2_arc'), { recursive: true });
    assert.equal((await loadTaskDocs(dir, builtinTasks().get('arc_easy')!)).evalDocs.length, 8);
  }));

  it('reads a flat <task>/<split>.jsonl and prefers it to the hub layout', withDir(async (dir) => {
    fs.cpSync(path.join(fixtureData(), 'baber'), path.join(dir, 'baber'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'piqa'));
    const row = { goal: 'To open a jar,', sol1: 'twist the lid.', sol2: 'paint the lid.', label: 0 };
    fs.writeFileSync(path.join(dir, 'piqa', 'validation.jsonl'), `${JSON.stringify(row)}\n`);
    const docs = await loadTaskDocs(dir, builtinTasks().get('piqa')!);
    assert.deepEqual(docs.evalDocs, [row]);
    const rows = await readSplit(dir, { path: 'baber/piqa' }, 'validation', ['goal']);
    assert.equal(rows.length, 8, 'without the task name the hub layout is read');
  }));
});

describe('selectTasks', () => {
  it('lists every unknown task and every missing split (with the paths tried) at once', withDir((dir) => {
    fs.cpSync(path.join(fixtureData(), 'allenai'), path.join(dir, 'allenai'), { recursive: true });
    assert.throws(
      () => selectTasks(['arc_easy', 'hellaswag', 'no_such_task', 'boolq'], { dataRoot: dir, numFewshot: 0 }),
      (err: unknown) => {
        assert.ok(err instanceof TaskSelectionError);
        assert.deepEqual(err.unknown, ['no_such_task']);
        assert.deepEqual(err.missing.map((m) => `${m.task}/${m.split}`), ['hellaswag/validation', 'boolq/validation']);
        const lines = err.message.split('\n');
        assert.equal(lines.length, 3);
        assert.match(lines[1], /^missing hellaswag \(split "validation"\) under \S+: tried hellaswag\/validation\{\.jsonl,\.parquet,-\*\.parquet\} Rowan\/hellaswag\/\{data\/,default\/,\}validation\{-\*\.parquet,/);
        assert.match(lines[1], / datasets--Rowan--hellaswag\/snapshots\/\*\/\{/);
        return true;
      },
    );
  }));

  it('needs the few-shot split only when k > 0', withDir((dir) => {
    fs.mkdirSync(path.join(dir, 'arc_easy'));
    fs.copyFileSync(path.join(fixtureData(), 'allenai/ai2_arc/ARC-Easy/test-00000-of-00001.parquet'), path.join(dir, 'arc_easy', 'test.parquet'));
    assert.equal(selectTasks(['arc_easy'], { dataRoot: dir, numFewshot: 0 }).leaves.length, 1);
    assert.throws(() => selectTasks(['arc_easy'], { dataRoot: dir, numFewshot: 5 }), /missing arc_easy \(split "train"\)/);
  }));

  it('mmlu scores the subjects present, names the missing ones, and keeps only categories with data', () => {
    const selection = selectTasks(['mmlu'], { dataRoot: fixtureData(), numFewshot: 5 });
    assert.deepEqual(selection.leaves.map((t) => t.name), ['mmlu_abstract_algebra', 'mmlu_high_school_government_and_politics', 'mmlu_world_religions']);
    assert.deepEqual(selection.groups.map((g) => g.name), ['mmlu', 'mmlu_stem', 'mmlu_social_sciences', 'mmlu_humanities']);
    assert.equal(selection.missingInGroups.mmlu.length, 54);
    assert.ok(selection.missingInGroups.mmlu_stem.includes('mmlu_anatomy'));
    assert.deepEqual(selection.subtasks.mmlu_stem, ['mmlu_abstract_algebra']);
  });

  it('a category group works alone, and an MMLU group without any subject data is an error listing them', withDir((dir) => {
    const stem = selectTasks(['mmlu_stem'], { dataRoot: fixtureData(), numFewshot: 0 });
    assert.deepEqual(stem.groups.map((g) => g.name), ['mmlu_stem']);
    assert.throws(() => selectTasks(['mmlu_other'], { dataRoot: fixtureData(), numFewshot: 0 }), (err: unknown) => err instanceof TaskSelectionError && err.missing.length === 13);
    assert.throws(() => selectTasks(['mmlu'], { dataRoot: dir, numFewshot: 0 }), (err: unknown) => err instanceof TaskSelectionError && err.missing.length === 57);
  }));
});
