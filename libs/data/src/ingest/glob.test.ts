import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileGlob, expandGlob, GlobError, isGlob, MAX_GLOB_LENGTH } from './glob';

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
    ['.cache/*.jsonl', '.cache/a.jsonl', true],
    ['a**b.jsonl', 'axxb.jsonl', true],
    ['{x/a,y}/*.jsonl', 'x/a/f.jsonl', true],
    ['{x/a,y}/*.jsonl', 'y/f.jsonl', true],
    ['{x/a,y}/*.jsonl', 'x/f.jsonl', false],
    ['shard-[]x].jsonl', 'shard-].jsonl', true],
    ['open-[bracket', 'open-[bracket', true],
  ];
  for (const [glob, path, expected] of cases) {
    assert.equal(compileGlob(glob).matches(path), expected, `${glob} vs ${path}`);
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

test('a pathological pattern is matched without backtracking: twice the stars cost about twice the time, not ~6x per star', () => {
  // The regex translation took 2.5 s for a 22-character pattern of this shape, about 6x more per extra "*a".
  const name = 'a'.repeat(200);
  const timeFor = (stars: number): number => {
    const matcher = compileGlob('*a'.repeat(stars) + 'b');
    const start = process.hrtime.bigint();
    for (let i = 0; i < 5; i++) assert.equal(matcher.matches(name), false);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  timeFor(4); // warm up
  const eleven = timeFor(11); // 23 characters
  const forty = timeFor(40); // 81 characters
  // Generous bounds: a backtracking matcher needs hours here, the DP a few milliseconds.
  assert.ok(eleven < 1000, `11 stars took ${eleven} ms`);
  assert.ok(forty < 2000, `40 stars took ${forty} ms`);
});

test('patterns past the length cap or expanding to too many alternatives are refused with a GlobError', () => {
  assert.throws(() => compileGlob('a'.repeat(MAX_GLOB_LENGTH + 1)), GlobError);
  assert.throws(() => compileGlob('{a,b}'.repeat(10)), /alternatives/);
  assert.equal(compileGlob('{a,b}'.repeat(8)).matches('abababab'), true);
});
