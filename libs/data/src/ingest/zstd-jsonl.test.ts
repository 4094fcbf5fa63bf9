// Reads .zst files written by the zstd command-line tool (fixtures/make_zstd_fixtures.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IngestItem, openSource } from './index';

// Compiled tests run from dist/libs/data/src/ingest; fixtures stay in the source tree.
const FIXTURES = resolve(__dirname, '../../../../../libs/data/fixtures/ingest');

async function collect(items: AsyncIterable<IngestItem>): Promise<IngestItem[]> {
  const out: IngestItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

function summary(items: IngestItem[]): string[] {
  return items.map((i) => (i.kind === 'document' ? `doc ${i.document.text}` : i.kind === 'rejected' ? `rejected ${i.rejected.reason}` : 'filtered'));
}

const EXPECTED_SAMPLE = [
  'doc Glaciers move because ice deforms under its own weight.',
  'doc Mitochondria release energy from food through cellular respiration.',
  'rejected bad_json',
  'rejected missing_text',
  'rejected non_string_text',
  'rejected invalid_utf8',
  'doc The water cycle moves water between oceans, air and land.',
];

for (const name of ['sample.jsonl', 'sample.jsonl.zst', 'sample.2frames.jsonl.zst']) {
  test(`${name} decodes to the same items as the uncompressed lines, read 5 bytes at a time`, async () => {
    const items = await collect(await openSource(join(FIXTURES, name), { readChunkBytes: 5 }));
    assert.deepEqual(summary(items), EXPECTED_SAMPLE);
    const first = items[0]!;
    assert.ok(first.kind === 'document' && first.document.id === 'doc-1' && first.document.metadata.score === '3.5');
  });
}

test('a multi-block zstd stream (2,000 lines, ~200 KB decoded) yields every line in order', async () => {
  const run = await openSource(join(FIXTURES, 'many.jsonl.zst'), { readChunkBytes: 1000 });
  const items = await collect(run);
  assert.equal(items.length, 2000);
  assert.ok(items.every((i) => i.kind === 'document'));
  const last = items[1999]!;
  assert.ok(last.kind === 'document');
  assert.equal(last.document.id, 'gen-2000');
  assert.equal(last.document.text, 'Generated line 2000: the square of 2000 is 4000000, and its double is 4000.');
  assert.equal(run.progress().bytesRead, readFileSync(join(FIXTURES, 'many.jsonl.zst')).length);
});

test('a truncated zstd file yields the lines before the cut, then one unreadable_source rejection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-zst-'));
  const whole = readFileSync(join(FIXTURES, 'many.jsonl.zst'));
  const file = join(dir, 'cut.jsonl.zst');
  writeFileSync(file, whole.subarray(0, Math.floor(whole.length * 0.8)));
  copyFileSync(join(FIXTURES, 'sample.jsonl.zst'), join(dir, 'next.jsonl.zst'));
  const run = await openSource(join(dir, '*.zst'));
  const items = await collect(run);
  const cut = run.stats.sources()[file]!;
  assert.equal(cut.malformed.unreadable_source, 1);
  assert.ok(cut.ok < 2000, `only lines before the cut are documents (got ${cut.ok})`);
  // The next file is still read in full.
  assert.equal(run.stats.sources()[join(dir, 'next.jsonl.zst')]!.read, 7);
  assert.equal(items.length, cut.read + 7);
});
