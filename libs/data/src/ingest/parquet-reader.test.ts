// Reads the FineWeb-Edu-shaped fixtures written by fixtures/make_parquet_fixtures.py (pyarrow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { IngestItem, openSource } from './index';

const FIXTURES = resolve(__dirname, '../../../../../libs/data/fixtures/ingest');

async function collect(items: AsyncIterable<IngestItem>): Promise<IngestItem[]> {
  const out: IngestItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

for (const codec of ['none', 'snappy', 'zstd']) {
  test(`FineWeb-Edu parquet (${codec}): 9 rows in 3 row groups give 6 documents and 3 rejections with reasons`, async () => {
    const file = join(FIXTURES, `fineweb-edu-sample.${codec}.parquet`);
    const run = await openSource(file, { now: () => 42 });
    const items = await collect(run);
    assert.equal(items.length, 9);
    const outcome = items.map((i) => (i.kind === 'rejected' ? i.rejected.reason : 'doc'));
    assert.deepEqual(outcome, ['doc', 'doc', 'doc', 'doc', 'empty_text', 'doc', 'missing_text', 'doc', 'invalid_utf8']);

    const french = items[3]!;
    assert.ok(french.kind === 'document');
    assert.deepEqual(french.document, {
      id: '<urn:uuid:00000000-0000-4000-8000-000000000003>',
      text: "Une cellule est l'unité de base du vivant : « omnis cellula e cellula ».",
      source: file,
      url: 'https://example.org/lesson/3',
      metadata: {
        dump: 'CC-MAIN-2024-10',
        file_path: 's3://commoncrawl/crawl-data/CC-MAIN-2024-10/segments/3.warc.gz',
        language: 'fr',
        language_score: '0.93',
        token_count: '25',
        score: '3',
        int_score: '3',
      },
      ingestedAtMs: 42,
      corpus: 'domain',
    });

    const bad = items[8]!;
    assert.ok(bad.kind === 'rejected');
    assert.equal(bad.rejected.locator, `${file}#row=8`);
    // The exact bytes that failed UTF-8 decoding travel to the dead letter (0xE9 is Latin-1 "é").
    assert.deepEqual(bad.rejected.original, Buffer.from('Caf\xe9 au lait is coffee with hot milk.', 'latin1'));

    const missing = items[6]!;
    assert.ok(missing.kind === 'rejected');
    assert.match(missing.rejected.original.toString('utf8'), /"id":"<urn:uuid:00000000-0000-4000-8000-000000000006>"/);

    assert.deepEqual(run.stats.sources()[file], { read: 9, ok: 6, malformed: { empty_text: 1, missing_text: 1, invalid_utf8: 1 } });
    assert.equal(run.progress().bytesRead, statSync(file).size);
  });
}

test('parquet progress advances row group by row group, before the file is finished', async () => {
  const file = join(FIXTURES, 'fineweb-edu-sample.zstd.parquet');
  const run = await openSource(file);
  const seen: number[] = [];
  for await (const item of run) {
    void item;
    seen.push(run.progress().bytesRead);
  }
  // Rows 0-2 are yielded before row group 0 is counted; rows 3-5 after it.
  assert.equal(seen[0], 0);
  assert.ok(seen[3]! > 0 && seen[3]! < statSync(file).size);
  assert.ok(seen[6]! > seen[3]!);
});

test('a parquet file without the configured text column is reported once, not row by row', async () => {
  const file = join(FIXTURES, 'fineweb-edu-sample.snappy.parquet');
  const items = await collect(await openSource(file, { textField: 'body' }));
  assert.equal(items.length, 1);
  assert.ok(items[0]!.kind === 'rejected');
  assert.equal(items[0]!.rejected.reason, 'unreadable_source');
  assert.match(items[0]!.rejected.detail, /no "body" column \(columns: text, id, dump, url/);
});

test('the id column is configurable: mapping it to url makes the url the document id', async () => {
  const items = await collect(await openSource(join(FIXTURES, 'fineweb-edu-sample.none.parquet'), { idField: 'url', urlField: '' }));
  const first = items[0]!;
  assert.ok(first.kind === 'document');
  assert.equal(first.document.id, 'https://example.org/lesson/0');
  assert.equal(first.document.metadata.id, '<urn:uuid:00000000-0000-4000-8000-000000000000>');
});

// FineWeb-Edu's columns and Parquet types as the dataset's shards carry them (dataset card, HuggingFaceFW/fineweb-edu).
const FINEWEB_EDU_COLUMNS: Array<[string, string]> = [
  ['text', 'BYTE_ARRAY'],
  ['id', 'BYTE_ARRAY'],
  ['dump', 'BYTE_ARRAY'],
  ['url', 'BYTE_ARRAY'],
  ['file_path', 'BYTE_ARRAY'],
  ['language', 'BYTE_ARRAY'],
  ['language_score', 'DOUBLE'],
  ['token_count', 'INT64'],
  ['score', 'DOUBLE'],
  ['int_score', 'INT64'],
];

test("the fixture has FineWeb-Edu's exact columns, in order, with its types, written by pyarrow", () => {
  const file = join(FIXTURES, 'fineweb-edu-sample.snappy.parquet');
  const bytes = Buffer.alloc(statSync(file).size);
  const fd = openSync(file, 'r');
  readSync(fd, bytes, 0, bytes.length, 0);
  closeSync(fd);
  const metadata = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  assert.deepEqual(metadata.schema.slice(1).map((c) => [c.name, c.type]), FINEWEB_EDU_COLUMNS);
  assert.match(metadata.created_by ?? '', /parquet-cpp-arrow/);
});

test('minIntScore keeps rows with int_score >= N and turns the others into rejections with rule and value', async () => {
  const file = join(FIXTURES, 'fineweb-edu-sample.zstd.parquet');
  const run = await openSource(file, { minIntScore: 3 });
  const items = await collect(run);
  // int_score per row: 3, 4, 3, 3, 1 (empty text), 3, 1 (no text), 3, 2 (invalid UTF-8). Malformed rows stay
  // dead letters whatever their score: the filter judges documents, not broken records.
  const outcome = items.map((i) => (i.kind === 'rejected' ? i.rejected.reason : i.kind === 'filtered' ? `${i.filtered.rule}=${i.filtered.value}` : 'doc'));
  assert.deepEqual(outcome, ['doc', 'doc', 'doc', 'doc', 'empty_text', 'doc', 'missing_text', 'doc', 'invalid_utf8']);

  const strict = await collect(await openSource(file, { minIntScore: 4 }));
  const kept = strict.flatMap((i) => (i.kind === 'document' ? [i.document.id] : []));
  assert.deepEqual(kept, ['<urn:uuid:00000000-0000-4000-8000-000000000001>']);
  const filtered = strict.flatMap((i) => (i.kind === 'filtered' ? [i.filtered] : []));
  assert.deepEqual(filtered.map((f) => [f.document.id.slice(-2, -1), f.filter, f.rule, f.value, f.threshold]), [
    ['0', 'ingest', 'int_score', 3, 4],
    ['2', 'ingest', 'int_score', 3, 4],
    ['3', 'ingest', 'int_score', 3, 4],
    ['5', 'ingest', 'int_score', 3, 4],
    ['7', 'ingest', 'int_score', 3, 4],
  ]);
  assert.equal(filtered[0]!.document.metadata.int_score, '3', 'the rejected document keeps its columns');
});

test('minIntScore rejects rows without a numeric int_score (NaN value) rather than letting them through', async () => {
  const items = await collect(await openSource(join(FIXTURES, 'sample.jsonl'), { minIntScore: 3 }));
  const documents = items.filter((i) => i.kind !== 'rejected');
  assert.ok(documents.length > 0);
  for (const item of documents) {
    assert.ok(item.kind === 'filtered');
    assert.ok(Number.isNaN(item.filtered.value));
  }
});
