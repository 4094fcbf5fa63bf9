import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IngestItem, openSource, RejectedRecord } from './index';

const NOW = 1_700_000_000_000;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cptflow-ingest-'));
}

async function collect(items: AsyncIterable<IngestItem>): Promise<IngestItem[]> {
  const out: IngestItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const rejectedOf = (items: IngestItem[]): RejectedRecord[] =>
  items.flatMap((i) => (i.kind === 'rejected' ? [i.rejected] : []));
const documentsOf = (items: IngestItem[]) => items.flatMap((i) => (i.kind === 'document' ? [i.document] : []));

const MIXED_LINES = Buffer.concat([
  Buffer.from('{"id":"a-1","text":"First document.","url":"https://example.org/1","score":3.5,"tags":["x","y"],"ok":true,"nothing":null}\n'),
  Buffer.from('{"text":"No id here, so the id is a hash."}\n'),
  Buffer.from('{"id":"a-3","text":"unterminated\n'),
  Buffer.from('\n'),
  Buffer.from('[1,2,3]\n'),
  Buffer.from('{"id":"a-5"}\n'),
  Buffer.from('{"id":"a-6","text":["not","a","string"]}\n'),
  Buffer.from('{"id":"a-7","text":"   "}\n'),
  Buffer.concat([Buffer.from('{"id":"a-8","text":"caf'), Buffer.from([0xe9]), Buffer.from('"}\r\n')]),
  Buffer.from(`{"id":"a-9","text":"${'long '.repeat(40)}"}\n`),
  Buffer.from('{"id":12,"text":"numeric id"}'),
]);

async function readMixed(file: string) {
  const run = await openSource(file, { maxDocumentBytes: 100, now: () => NOW, readChunkBytes: 7 });
  return { run, items: await collect(run) };
}

for (const variant of ['plain', 'gzip'] as const) {
  test(`${variant} JSONL: good lines become documents, every malformed line becomes a rejection with its reason`, async () => {
    const dir = tempDir();
    const file = join(dir, variant === 'plain' ? 'mixed.jsonl' : 'mixed.jsonl.gz');
    writeFileSync(file, variant === 'plain' ? MIXED_LINES : gzipSync(MIXED_LINES));
    const { run, items } = await readMixed(file);

    const docs = documentsOf(items);
    assert.deepEqual(docs.map((d) => d.id), [
      'a-1',
      'sha256:' + createHash('sha256').update('No id here, so the id is a hash.').digest('hex'),
      '12',
    ]);
    assert.deepEqual(docs[0], {
      id: 'a-1',
      text: 'First document.',
      source: file,
      url: 'https://example.org/1',
      metadata: { score: '3.5', tags: '["x","y"]', ok: 'true' },
      ingestedAtMs: NOW,
      corpus: 'domain',
    });

    const rejected = rejectedOf(items);
    assert.deepEqual(
      rejected.map((r) => [r.locator, r.reason]),
      [
        [`${file}:3`, 'bad_json'],
        [`${file}:5`, 'not_an_object'],
        [`${file}:6`, 'missing_text'],
        [`${file}:7`, 'non_string_text'],
        [`${file}:8`, 'empty_text'],
        [`${file}:9`, 'invalid_utf8'],
        [`${file}:10`, 'oversize'],
      ],
    );
    // The dead letter carries the line exactly as read, invalid byte included.
    assert.deepEqual(rejected[5]!.original, Buffer.concat([Buffer.from('{"id":"a-8","text":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]));
    assert.match(rejected[6]!.detail, /200 bytes, above maxDocumentBytes 100/);

    // Counts balance: read = ok + malformed, per reason (the blank line 4 is not a record).
    assert.deepEqual(run.stats.sources()[file], {
      read: 10,
      ok: 3,
      malformed: { bad_json: 1, not_an_object: 1, missing_text: 1, non_string_text: 1, empty_text: 1, invalid_utf8: 1, oversize: 1 },
    });
    assert.equal(run.progress().bytesRead, variant === 'plain' ? MIXED_LINES.length : gzipSync(MIXED_LINES).length);
  });
}

test('the same text gets the same content-hash id in every file and format', async () => {
  const dir = tempDir();
  const line = '{"text":"Identical text, different files."}\n';
  writeFileSync(join(dir, 'a.jsonl'), line);
  writeFileSync(join(dir, 'b.jsonl.gz'), gzipSync(line));
  writeFileSync(join(dir, 'c.txt'), 'Identical text, different files.');
  const ids = documentsOf(await collect(await openSource(dir))).map((d) => d.id);
  assert.equal(ids.length, 3);
  assert.equal(new Set(ids).size, 1);
});

test('column mapping: text, id and url come from the configured keys; the rest goes to metadata', async () => {
  const dir = tempDir();
  const file = join(dir, 'mapped.jsonl');
  writeFileSync(file, '{"content":"Mapped body.","doc_id":"m-1","link":"https://example.org/m","text":"ignored here"}\n');
  const [item] = await collect(await openSource(file, { textField: 'content', idField: 'doc_id', urlField: 'link', corpus: 'replay' }));
  assert.equal(item!.kind, 'document');
  if (item!.kind !== 'document') return;
  assert.equal(item.document.text, 'Mapped body.');
  assert.equal(item.document.id, 'm-1');
  assert.equal(item.document.url, 'https://example.org/m');
  assert.equal(item.document.corpus, 'replay');
  assert.deepEqual(item.document.metadata, { text: 'ignored here' });
});

test('a line far past maxRecordBytes is rejected as oversize with only a bounded prefix kept', async () => {
  const dir = tempDir();
  const file = join(dir, 'huge.jsonl');
  writeFileSync(file, `{"text":"${'z'.repeat(300_000)}"}\n{"text":"small"}\n`);
  const items = await collect(await openSource(file, { maxRecordBytes: 10_000, maxRejectedBytes: 100, readChunkBytes: 4096 }));
  assert.equal(items.length, 2);
  const [big] = rejectedOf(items);
  assert.equal(big!.reason, 'oversize');
  assert.equal(big!.original.length, 100);
  assert.equal(documentsOf(items)[0]!.text, 'small');
});

test('a corrupt gzip file becomes one unreadable_source rejection and the next file is still read', async () => {
  const dir = tempDir();
  const good = gzipSync('{"text":"one"}\n{"text":"two"}\n');
  const corrupt = Buffer.from(good);
  corrupt.fill(0x41, 12, 30); // overwrite part of the deflate stream
  writeFileSync(join(dir, 'a-corrupt.jsonl.gz'), corrupt);
  writeFileSync(join(dir, 'b-good.jsonl'), '{"text":"three"}\n');
  const run = await openSource(join(dir, '*.jsonl*'));
  const items = await collect(run);
  const rejected = rejectedOf(items);
  assert.equal(rejected.length, 1);
  assert.equal(rejected[0]!.reason, 'unreadable_source');
  assert.deepEqual(documentsOf(items).map((d) => d.text).includes('three'), true);
  assert.equal(run.stats.total().malformed.unreadable_source, 1);
});

test('reading is pulled by the consumer: after the first document only a few chunks of a 4 MB file were read', async () => {
  const dir = tempDir();
  const file = join(dir, 'big.jsonl');
  const line = `{"text":"${'streaming '.repeat(20)}"}\n`;
  writeFileSync(file, line.repeat(Math.ceil((4 * 1024 * 1024) / line.length)));
  const run = await openSource(file, { readChunkBytes: 16 * 1024 });
  const iterator = run[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  const { bytesRead, bytesTotal } = run.progress();
  assert.ok(bytesTotal! > 4 * 1024 * 1024);
  // A stream's internal buffering may read ahead a little, but nowhere near the whole file.
  assert.ok(bytesRead <= 256 * 1024, `read ${bytesRead} bytes ahead of the consumer`);
  await iterator.return?.(undefined);
});
