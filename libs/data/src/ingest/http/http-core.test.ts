import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDeclaredLength, IngestHttpError, IngestRoots, limitBytes, PayloadTooLargeError } from '../index';

test('the size limit: a declared length past it fails at once; a streamed body fails at the first chunk past it', async () => {
  assert.throws(() => checkDeclaredLength('2001', 2000), PayloadTooLargeError);
  assert.equal(checkDeclaredLength('2000', 2000), 2000);
  assert.throws(() => checkDeclaredLength('-1', 2000), (e: unknown) => e instanceof IngestHttpError && e.status === 400);
  let pulled = 0;
  async function* body() {
    for (let i = 0; i < 100; i++) {
      pulled++;
      yield Buffer.alloc(100);
    }
  }
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const chunk of limitBytes(body(), 1000)) seen.push(chunk.length);
    })(),
    (e: unknown) => e instanceof PayloadTooLargeError && e.status === 413,
  );
  assert.equal(seen.length, 10);
  assert.equal(pulled, 11, 'stops pulling right after the chunk that crossed the limit');
});

test('ingest roots: inside is allowed; "..", absolute paths elsewhere and symlinks out of the root are refused', async () => {
  const base = mkdtempSync(join(tmpdir(), 'cptflow-roots-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'sub', 'in.jsonl'), '{}');
  writeFileSync(join(outside, 'secret.jsonl'), '{}');
  writeFileSync(join(base, 'rootsibling.jsonl'), '{}');
  symlinkSync(join(outside, 'secret.jsonl'), join(root, 'escape.jsonl'));
  symlinkSync(outside, join(root, 'escape-dir'));
  const roots = await IngestRoots.of([root]);
  const status = async (p: string) => roots.confine(p).then(() => 200, (e: IngestHttpError) => e.status);

  assert.equal(await status(join(root, 'sub', 'in.jsonl')), 200);
  assert.equal(await status('sub/in.jsonl'), 200, 'relative paths resolve against the first root');
  assert.equal(await status('../outside/secret.jsonl'), 403);
  assert.equal(await status(join(root, 'sub', '..', '..', 'outside', 'secret.jsonl')), 403);
  assert.equal(await status(join(outside, 'secret.jsonl')), 403);
  assert.equal(await status(join(base, 'rootsibling.jsonl')), 403, 'a sibling sharing the prefix is not inside');
  assert.equal(await status(join(root, 'escape.jsonl')), 403, 'a symlink pointing out is judged by its target');
  assert.equal(await status(join(root, 'escape-dir', 'secret.jsonl')), 403);
  assert.equal(await status(join(root, 'missing.jsonl')), 404);
  assert.equal(await status(join(outside, 'missing.jsonl')), 403, 'outside paths are refused before existence is checked');
  await assert.rejects(IngestRoots.of([join(base, 'nope')]), /does not exist/);
});

test('the size limit stops a compressed upload too: the error reaches the caller instead of becoming a dead letter', async () => {
  const { gzipSync } = await import('node:zlib');
  const { readFileSync } = await import('node:fs');
  const { resolve } = await import('node:path');
  const { openJsonlStream } = await import('../index');
  const zstd = readFileSync(resolve(__dirname, '../../../../../../libs/data/fixtures/ingest/many.jsonl.zst'));
  const { randomBytes } = await import('node:crypto');
  // Random text, so the compressed body really is larger than the limit.
  const lines = Array.from({ length: 200 }, () => JSON.stringify({ text: randomBytes(48).toString('hex') })).join('\n');
  const gzip = gzipSync(Buffer.from(lines + '\n'));
  assert.ok(gzip.length > 8192);
  for (const [compression, body] of [['gzip', gzip], ['zstd', zstd]] as const) {
    async function* chunks() {
      for (let i = 0; i < body.length; i += 512) yield body.subarray(i, i + 512);
    }
    const run = openJsonlStream(limitBytes(chunks(), 4096), { name: `u.${compression}`, compression });
    await assert.rejects(
      (async () => {
        for await (const item of run) void item;
      })(),
      PayloadTooLargeError,
      compression,
    );
    assert.equal(run.stats.total().malformed.unreadable_source, undefined);
  }
});

test('background path jobs: past MAX_RUNNING_PATH_JOBS at once a new one is a 429 with Retry-After, not one more reader; a slot frees when a job ends', async () => {
  const { IngestHttpHandler, MAX_RUNNING_PATH_JOBS } = await import('../index');
  const root = mkdtempSync(join(tmpdir(), 'cptflow-jobs-'));
  writeFileSync(join(root, 'a.jsonl'), '{"text":"one document"}\n');
  // A bus that holds every publish until released, so the jobs stay running for as long as the test needs.
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const bus = { publish: () => gate };
  const handler = await IngestHttpHandler.create(bus, { token: 'test-token-0123456789', roots: [root], maxUploadBytes: 1024, topics: { raw: 'raw', deadLetter: 'dlq' } });
  const jobs = [];
  for (let i = 0; i < MAX_RUNNING_PATH_JOBS; i++) jobs.push(await handler.startPathJob({ path: 'a.jsonl' }));
  await assert.rejects(handler.startPathJob({ path: 'a.jsonl' }), (e: unknown) => e instanceof IngestHttpError && e.status === 429 && e.headers['Retry-After'] === '5' && /at most 4/.test(e.message));
  release();
  await handler.drain();
  assert.deepEqual(jobs.map((j) => handler.job(j.id).state), Array(MAX_RUNNING_PATH_JOBS).fill('done'));
  assert.equal((await handler.startPathJob({ path: 'a.jsonl' })).state, 'running');
  await handler.drain();
});
