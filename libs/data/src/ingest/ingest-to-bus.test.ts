import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type OutgoingRecord, codecFor, Rejection } from '@cptflow/platform';
import { ingestToBus } from './index';

test('ingestToBus publishes every file a glob names, balances the counts and logs progress', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cptflow-to-bus-'));
  const lines = Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `d${i}`, text: `document number ${i}` })).join('\n');
  writeFileSync(join(dir, 'part-0.jsonl.gz'), gzipSync(lines + '\n{oops\n'));
  writeFileSync(join(dir, 'part-1.jsonl'), '{"text":"last one"}\n');
  const published: OutgoingRecord[] = [];
  const log: string[] = [];
  const summary = await ingestToBus(
    join(dir, 'part-*'),
    { publish: async (records) => void published.push(...records) },
    {
      topics: { raw: 'raw', deadLetter: 'dlq' },
      publisher: { batchRecords: 8 },
      progress: { isTTY: false, write: (s) => log.push(s) },
      progressIntervalMs: 0,
    },
  );
  assert.equal(summary.files, 2);
  assert.deepEqual([summary.documents, summary.deadLetters], [31, 1]);
  assert.deepEqual(summary.total, { read: 32, ok: 31, malformed: { bad_json: 1 } });
  assert.equal(published.filter((r) => r.topic === 'raw').length, 31);
  assert.equal(published.filter((r) => r.topic === 'dlq').length, 1);
  assert.ok(log.length >= 2);
  assert.match(log[log.length - 1]!, /100\.0%\) \| 31 docs, 1 rejected/);
});

test('with minIntScore the filtered rows go to the rejected topic as Rejections and the counts still balance', async () => {
  const published: OutgoingRecord[] = [];
  const file = join(__dirname, '../../../../../libs/data/fixtures/ingest/fineweb-edu-sample.snappy.parquet');
  const summary = await ingestToBus(file, { publish: async (records) => void published.push(...records) }, {
    topics: { raw: 'raw', deadLetter: 'dlq', rejected: 'rejected' },
    reader: { minIntScore: 4 },
  });
  assert.deepEqual([summary.documents, summary.rejected, summary.deadLetters], [1, 5, 3]);
  assert.deepEqual(summary.total, { read: 9, ok: 1, malformed: { empty_text: 1, missing_text: 1, invalid_utf8: 1 }, filtered: 5 });
  const rejections = published.filter((r) => r.topic === 'rejected').map((r) => codecFor<Rejection>(Rejection).decode(r.value));
  assert.equal(rejections.length, 5);
  for (const r of rejections) {
    assert.deepEqual([r.filter, r.rule, r.value, r.threshold], ['ingest', 'int_score', 3, 4]);
    assert.ok(r.document?.text, 'the rejected document travels whole, as the quality filter writes it');
  }
  await assert.rejects(
    ingestToBus(file, { publish: async () => {} }, { topics: { raw: 'raw', deadLetter: 'dlq' }, reader: { minIntScore: 4 } }),
    /no rejected topic/,
  );
});
