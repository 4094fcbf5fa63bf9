// Hostile inputs that are small on the wire but huge or deep once read: decompression bombs (gzip, zstd,
// Parquet) and deeply nested records. Each is refused alone; the rest of the input is still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DecompressionLimitError, IngestItem, IngestOptions, openJsonlStream, openSource, RejectedRecord } from './index';

const FIXTURES = resolve(__dirname, '../../../../../libs/data/fixtures/ingest');

async function collect(items: AsyncIterable<IngestItem>): Promise<IngestItem[]> {
  const out: IngestItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}
const rejectedOf = (items: IngestItem[]): RejectedRecord[] => items.flatMap((i) => (i.kind === 'rejected' ? [i.rejected] : []));
const documentCount = (items: IngestItem[]): number => items.filter((i) => i.kind === 'document').length;

/** 400,000 one-word documents: 6.4 MB of JSON Lines that gzip to about 6 KB (ratio ~1000). */
const BOMB_LINES = Buffer.from('{"text":"boom"}\n'.repeat(400_000));

function folderWith(files: Record<string, Buffer | string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-limits-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

test('a gzip or zstd bomb among files is one decompression_limit dead letter; the next file is still read', async () => {
  const dir = folderWith({ 'a-bomb.jsonl.gz': gzipSync(BOMB_LINES, { level: 9 }), 'c-fine.jsonl': '{"text":"after the bomb"}\n' });
  copyFileSync(join(FIXTURES, 'bomb.jsonl.zst'), join(dir, 'b-bomb.jsonl.zst'));
  const run = await openSource(dir);
  const items = await collect(run);
  const rejected = rejectedOf(items);
  assert.deepEqual(rejected.map((r) => r.reason), ['decompression_limit', 'decompression_limit']);
  assert.match(rejected[0]!.detail, /maxExpansionRatio 32/);
  const stats = run.stats.toJSON().sources;
  assert.equal(stats[join(dir, 'c-fine.jsonl')]!.ok, 1, 'the file after the bombs is read');
  // Reading stops within the first MiB or so of output: far fewer than the 400,000 documents in each bomb.
  for (const bomb of ['a-bomb.jsonl.gz', 'b-bomb.jsonl.zst']) {
    const counts = stats[join(dir, bomb)]!;
    assert.ok(counts.ok < 100_000, `${bomb}: ${counts.ok} documents read before the limit`);
    assert.equal(counts.malformed.decompression_limit, 1);
  }
  assert.ok(documentCount(items) < 200_001);
});

test('maxDecompressedBytes caps output even at an ordinary ratio', async () => {
  const lines = Buffer.from(Array.from({ length: 5000 }, (_, i) => JSON.stringify({ text: `document ${i} ${Math.sin(i)}` })).join('\n'));
  const dir = folderWith({ 'plain.jsonl.gz': gzipSync(lines) });
  const options: IngestOptions = { maxDecompressedBytes: 64 * 1024 };
  const items = await collect(await openSource(dir, options));
  assert.deepEqual(rejectedOf(items).map((r) => r.reason), ['decompression_limit']);
  assert.match(rejectedOf(items)[0]!.detail, /more than 65536 bytes/);
  // Without the cap the same file reads in full: the limit, not the data, stopped it.
  assert.equal(documentCount(await collect(await openSource(dir))), 5000);
});

test('an upload stream that expands past its limits stops the run with DecompressionLimitError (the HTTP layer answers 413)', async () => {
  async function* body() {
    yield gzipSync(BOMB_LINES, { level: 9 });
  }
  const run = openJsonlStream(body(), { name: 'upload:bomb.jsonl.gz', compression: 'gzip' });
  await assert.rejects(collect(run), DecompressionLimitError);
});

test('Parquet: the sizes its column chunks declare are held to the decompression limits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-limits-'));
  copyFileSync(join(FIXTURES, 'fineweb-edu-sample.zstd.parquet'), join(dir, 'a.parquet'));
  // The fixture reads in full under the defaults...
  assert.equal(rejectedOf(await collect(await openSource(dir))).filter((r) => r.reason === 'decompression_limit').length, 0);
  // ...and is refused, as one dead letter before any row, when its column chunks declare more than allowed.
  const capped = await collect(await openSource(dir, { maxDecompressedBytes: 100 }));
  assert.deepEqual(rejectedOf(capped).map((r) => r.reason), ['decompression_limit']);
  assert.equal(documentCount(capped), 0);
});

test('a record nested 200,000 deep is dead-lettered as too_deep; the records before and after it are read', async () => {
  const depth = 200_000;
  const deep = `{"text":"deep","meta":${'['.repeat(depth)}${']'.repeat(depth)}}`;
  const lines = ['{"text":"before"}', deep, '{"text":"after","meta":{"a":[1,{"b":2}]}}', `{"text":"deep object",${'"k":{'.repeat(100)}${'}'.repeat(100)}}`];
  const dir = folderWith({ 'nested.jsonl': lines.join('\n') + '\n' });
  const run = await openSource(dir);
  const items = await collect(run);
  const rejected = rejectedOf(items);
  assert.deepEqual(rejected.map((r) => [r.reason, r.locator.split(':').pop()]), [
    ['too_deep', '2'],
    ['too_deep', '4'],
  ]);
  assert.match(rejected[0]!.detail, /maxNestingDepth 64/);
  assert.ok(rejected[0]!.original.length <= 64 * 1024, 'the dead letter keeps a bounded prefix of the record');
  const docs = items.flatMap((i) => (i.kind === 'document' ? [i.document] : []));
  assert.deepEqual(docs.map((d) => d.text), ['before', 'after']);
  assert.equal(docs[1]!.metadata.meta, '{"a":[1,{"b":2}]}');
  // Within the limit, nesting is kept as JSON.
  const shallow = await collect(await openSource(folderWith({ 'ok.jsonl': `{"text":"t","m":${'['.repeat(60)}${']'.repeat(60)}}\n` })));
  assert.equal(documentCount(shallow), 1);
});
