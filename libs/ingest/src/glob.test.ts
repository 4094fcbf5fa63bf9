import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandGlob, globToRegExp, isGlob } from './glob';

test('glob syntax: * and ? stay within a segment, ** crosses segments, [..] and {a,b} work', () => {
  const cases: [string, string, boolean][] = [
    ['*.jsonl', 'a.jsonl', true],
    ['*.jsonl', 'dir/a.jsonl', false],
    ['*.jsonl', '.hidden.jsonl', false],
    ['part-?.parquet', 'part-7.parquet', true],
    ['part-?.parquet', 'part-17.parquet', false],
    ['**/*.parquet', 'a.parquet', true],
    ['**/*.parquet', 'x/y/z/a.parquet', true],
    ['**/*.parquet', 'x/.git/a.parquet', false],
    ['data/**', 'data/x/y', true],
    ['shard-[0-2].jsonl.gz', 'shard-1.jsonl.gz', true],
    ['shard-[!0-2].jsonl.gz', 'shard-1.jsonl.gz', false],
    ['shard-[!0-2].jsonl.gz', 'shard-5.jsonl.gz', true],
    ['*.{jsonl,jsonl.zst}', 'a.jsonl.zst', true],
    ['*.{jsonl,jsonl.zst}', 'a.jsonl.gz', false],
    ['a+b(1).jsonl', 'a+b(1).jsonl', true],
  ];
  for (const [glob, path, expected] of cases) {
    assert.equal(globToRegExp(glob).test(path), expected, `${glob} vs ${path}`);
  }
  assert.equal(isGlob('data/*.jsonl'), true);
  assert.equal(isGlob('data/plain.jsonl'), false);
});

test('expandGlob walks only below the literal base and returns sorted matches', async () => {
  const root = mkdtempSync(join(tmpdir(), 'cptflow-glob-'));
  mkdirSync(join(root, 'data', 'CC-MAIN-2024-10'), { recursive: true });
  mkdirSync(join(root, 'data', 'CC-MAIN-2024-18'), { recursive: true });
  for (const f of ['data/CC-MAIN-2024-18/001.parquet', 'data/CC-MAIN-2024-10/000.parquet', 'data/CC-MAIN-2024-10/notes.txt', 'data/top.parquet']) {
    writeFileSync(join(root, f), 'x');
  }
  assert.deepEqual(await expandGlob(join(root, 'data/*/*.parquet')), [
    join(root, 'data/CC-MAIN-2024-10/000.parquet'),
    join(root, 'data/CC-MAIN-2024-18/001.parquet'),
  ]);
  assert.deepEqual(await expandGlob(join(root, 'data/**/*.parquet')), [
    join(root, 'data/CC-MAIN-2024-10/000.parquet'),
    join(root, 'data/CC-MAIN-2024-18/001.parquet'),
    join(root, 'data/top.parquet'),
  ]);
  assert.deepEqual(await expandGlob(join(root, 'data/*.txt')), []);
});
