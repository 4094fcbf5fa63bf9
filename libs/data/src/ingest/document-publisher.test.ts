import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecFor, DeadLetter, Document, type OutgoingRecord } from '@cptflow/platform';
import { deadLetterReason, DocumentPublisher, IngestItem, publishAll } from './index';

function recordingBus() {
  const batches: OutgoingRecord[][] = [];
  return { batches, publish: async (records: OutgoingRecord[]) => void batches.push(records) };
}

function doc(id: string): IngestItem {
  return { kind: 'document', document: { id, text: `text of ${id}`, source: 's.jsonl', url: '', metadata: { k: 'v' }, ingestedAtMs: 7, corpus: 'domain' } };
}

const badLine: IngestItem = {
  kind: 'rejected',
  rejected: { reason: 'bad_json', detail: 'Unexpected end of JSON input', original: Buffer.from('{"text":'), source: 's.jsonl', locator: 's.jsonl:3' },
};

async function* items(list: IngestItem[]): AsyncGenerator<IngestItem> {
  yield* list;
}

test('documents go to the raw topic keyed by id and rejections to the dead-letter topic, in batches', async () => {
  const bus = recordingBus();
  const publisher = new DocumentPublisher(bus, { raw: 'cpt.docs.raw', deadLetter: 'cpt.dlq.ingest' }, { batchRecords: 2, now: () => 99 });
  const counts = await publishAll(items([doc('d1'), doc('d2'), badLine, doc('d3'), doc('d4')]), publisher);
  assert.deepEqual(counts, { documents: 4, deadLetters: 1, rejected: 0, batches: 3 });
  assert.deepEqual(bus.batches.map((b) => b.length), [2, 2, 1]);
  const all = bus.batches.flat();
  assert.deepEqual(all.map((r) => [r.topic, r.key]), [
    ['cpt.docs.raw', 'd1'],
    ['cpt.docs.raw', 'd2'],
    ['cpt.dlq.ingest', 's.jsonl:3'],
    ['cpt.docs.raw', 'd3'],
    ['cpt.docs.raw', 'd4'],
  ]);
  const decoded = codecFor<Document>(Document).decode(all[0]!.value);
  assert.equal(decoded.text, 'text of d1');
  assert.deepEqual(decoded.metadata, { k: 'v' });
  const letter = codecFor<DeadLetter>(DeadLetter).decode(all[2]!.value);
  assert.equal(letter.stage, 'ingest');
  assert.equal(deadLetterReason(letter), 'bad_json');
  assert.equal(letter.error, 'bad_json: Unexpected end of JSON input');
  assert.deepEqual(Buffer.from(letter.original!), Buffer.from('{"text":'));
  assert.equal(letter.source, 's.jsonl:3');
  assert.equal(Number(letter.atMs), 99);
});

test('add waits for a full batch to be published (backpressure), and a failed publish is not counted', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let calls = 0;
  const bus = {
    publish: async () => {
      calls++;
      if (calls === 1) await gate;
      if (calls === 2) throw new Error('broker down');
    },
  };
  const publisher = new DocumentPublisher(bus, { raw: 'r', deadLetter: 'd' }, { batchRecords: 1 });
  let settled = false;
  const first = publisher.add(doc('a')).then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, 'add must not resolve while its batch is still being published');
  release();
  await first;
  assert.equal(publisher.published.documents, 1);
  await assert.rejects(publisher.add(doc('b')), /broker down/);
  assert.equal(publisher.published.documents, 1);
});
