import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeDeadLetter, deadLetterFor, deadLetterForSource, isDeadLetter } from './dead-letter';

const consumed = {
  topic: 'cpt.docs.raw',
  partition: 3,
  offset: '12345678901234',
  key: 'doc-1',
  value: Buffer.from([0xff, 0xfe, 0x00, 0x41]),
  headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', unrelated: 'x' },
};

it('builds a DeadLetter for a consumed record: stage topic, original bytes, position, error, trace kept', () => {
  const record = deadLetterFor('quality-filter', consumed, new TypeError('text is missing'), { now: () => 1700000000000 });
  assert.equal(record.topic, 'cpt.dlq.quality-filter');
  assert.equal(record.key, 'doc-1');
  assert.ok(isDeadLetter(record));
  assert.equal(record.headers?.traceparent, consumed.headers.traceparent);
  assert.equal(record.headers?.unrelated, undefined);
  const letter = decodeDeadLetter(record.value);
  assert.equal(letter.stage, 'quality-filter');
  assert.equal(letter.error, 'TypeError: text is missing');
  assert.deepEqual(Buffer.from(letter.original!), consumed.value);
  assert.equal(letter.topic, 'cpt.docs.raw');
  assert.equal(letter.partition, 3);
  assert.equal(letter.offset, '12345678901234');
  assert.equal(Number(letter.atMs), 1700000000000);
});

it('builds a DeadLetter for input that never became a message, under a custom prefix', () => {
  const record = deadLetterForSource('ingest', 'shard-0.jsonl:17', Buffer.from('{bad json'), 'Unexpected token', { prefix: 'lab' });
  assert.equal(record.topic, 'lab.dlq.ingest');
  const letter = decodeDeadLetter(record.value);
  assert.equal(letter.source, 'shard-0.jsonl:17');
  assert.equal(letter.error, 'Unexpected token');
  assert.equal(Buffer.from(letter.original!).toString(), '{bad json');
});
