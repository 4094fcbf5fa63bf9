import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecFor, ContractError, Document, PackedSequence } from './index';

test('a document survives an encode/decode round trip with its metadata', () => {
  const codec = codecFor<Document>(Document);
  const doc = { id: 'a1', text: 'héllo wörld', source: 'f.jsonl', metadata: { score: '3.2' }, ingestedAtMs: 1700000000000 };
  const back = codec.decode(codec.encode(doc));
  assert.equal(back.text, doc.text);
  assert.deepEqual(back.metadata, doc.metadata);
  assert.equal(back.ingestedAtMs, doc.ingestedAtMs);
});

test('decoding bytes with an invalid wire type raises a ContractError instead of returning a half message', () => {
  const codec = codecFor<PackedSequence>(PackedSequence);
  assert.throws(() => codec.decode(Buffer.from([0x07])), ContractError);
});
