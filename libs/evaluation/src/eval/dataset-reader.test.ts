import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findSplitFiles, readSplit, TaskDataError } from './dataset-reader';
import { fixturesDir } from './testing/reference-fixture';

describe('task data reader', () => {
  const data = () => path.join(fixturesDir(), 'data');

  it('reads a hub Parquet layout with nested and list columns (ARC)', async () => {
    const rows = await readSplit(data(), { path: 'allenai/ai2_arc', name: 'ARC-Easy' }, 'test', ['question', 'choices', 'answerKey']);
    assert.equal(rows.length, 8);
    assert.deepEqual(rows[0].choices, { text: ['the roots', 'the leaves', 'the flowers', 'the seeds'], label: ['A', 'B', 'C', 'D'] });
  });

  it('turns Parquet INT64 into plain numbers (MMLU answer)', async () => {
    const rows = await readSplit(data(), { path: 'cais/mmlu', name: 'abstract_algebra' }, 'test', ['answer']);
    assert.equal(rows[0].answer, 3);
  });

  it('reads JSONL splits (data/<split>.jsonl)', async () => {
    const rows = await readSplit(data(), { path: 'baber/piqa' }, 'validation', ['goal', 'sol1', 'sol2', 'label']);
    assert.equal(rows.length, 8);
    assert.equal(rows[1].goal, 'To dry wet shoes faster,');
  });

  it('names the paths it looked for and the expected columns when a split is missing', () => {
    assert.throws(
      () => findSplitFiles(data(), { path: 'allenai/ai2_arc', name: 'ARC-Easy' }, 'validation', ['question', 'choices', 'answerKey']),
      (err: Error) => err instanceof TaskDataError && /ARC-Easy\/validation-\*\.parquet/.test(err.message) && /columns: question, choices, answerKey/.test(err.message),
    );
  });

  it('names the file, the line and the expected columns for malformed or incomplete rows', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-reader-'));
    try {
      fs.mkdirSync(path.join(dir, 'ds'));
      const file = path.join(dir, 'ds', 'test.jsonl');
      fs.writeFileSync(file, '{"q": "a", "label": 0}\n{"q": "b"\n');
      await assert.rejects(readSplit(dir, { path: 'ds' }, 'test', ['q', 'label']), (err: Error) => err.message.includes(`${file} line 2`) && err.message.includes('q, label'));
      fs.writeFileSync(file, '{"q": "a", "label": 0}\n{"q": "b"}\n');
      await assert.rejects(readSplit(dir, { path: 'ds' }, 'test', ['q', 'label']), /line 2 lacks column\(s\) label; expected columns: q, label; found: q/);
      const pq = path.join(dir, 'ds', 'train-00000-of-00001.parquet');
      fs.writeFileSync(pq, 'not parquet at all');
      await assert.rejects(readSplit(dir, { path: 'ds' }, 'train', ['q']), (err: Error) => err instanceof TaskDataError && err.message.includes(pq));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
