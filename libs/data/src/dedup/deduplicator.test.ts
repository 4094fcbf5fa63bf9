import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DuplicateKind } from '@cptflow/platform';
import { Deduplicator, exactKey } from './deduplicator';
import { toDuplicateMessage } from './duplicate-message';
import { MemorySignatureStore } from './stores/memory-store';
import { changeWords, licenceDocuments, seededRandom } from './real-text.testutil';

const [a, b] = licenceDocuments(200, 2);

test('first sighting is unique; a whitespace-only variant is an exact duplicate of it', async () => {
  const dedup = new Deduplicator(new MemorySignatureStore());
  assert.deepEqual(await dedup.check(a), { kind: 'unique' });
  const copy = { id: 'copy', text: `\n${a.text.replace(/ /g, '  \t')}\r\n` };
  assert.deepEqual(await dedup.check(copy), { kind: 'exact', duplicateOf: a.id, similarity: 1 });
  assert.deepEqual(await dedup.check(b), { kind: 'unique' });
});

test('a few changed words make a near duplicate with its estimated similarity', async () => {
  const dedup = new Deduplicator(new MemorySignatureStore());
  await dedup.check(a);
  await dedup.check(b);
  const verdict = await dedup.check({ id: 'near', text: changeWords(a.text, 2, seededRandom(3)) });
  assert.equal(verdict.kind, 'near');
  assert.ok(verdict.kind === 'near' && verdict.duplicateOf === a.id);
  assert.ok(verdict.kind === 'near' && verdict.similarity > 0.75 && verdict.similarity < 1, JSON.stringify(verdict));
});

test('re-delivering a document (same id) gives the same verdict, never "duplicate of itself"', async () => {
  const dedup = new Deduplicator(new MemorySignatureStore());
  const near = { id: 'near', text: changeWords(a.text, 1, seededRandom(5)) };
  const first = await dedup.checkAll([a, near, { id: 'exact', text: a.text }]);
  const again = await dedup.checkAll([a, near, { id: 'exact', text: a.text }]);
  assert.deepEqual(again, first);
  assert.deepEqual(first[0], { kind: 'unique' });
  assert.equal(first[1].kind, 'near');
  assert.equal(first[2].kind, 'exact');
});

test('duplicates always point at a kept document, not at another duplicate', async () => {
  const dedup = new Deduplicator(new MemorySignatureStore());
  const random = seededRandom(11);
  const b1 = { id: 'b1', text: changeWords(a.text, 2, random) };
  const c1 = { id: 'c1', text: changeWords(b1.text, 2, random) };
  const [va, vb, vc] = await dedup.checkAll([a, b1, c1]);
  assert.equal(va.kind, 'unique');
  assert.ok(vb.kind === 'near' && vb.duplicateOf === a.id);
  assert.ok(vc.kind === 'near' && vc.duplicateOf === a.id, JSON.stringify(vc));
});

test('texts under 5 words are only deduplicated exactly', async () => {
  const dedup = new Deduplicator(new MemorySignatureStore());
  assert.deepEqual(await dedup.check({ id: 's1', text: 'Hello there world' }), { kind: 'unique' });
  assert.deepEqual(await dedup.check({ id: 's2', text: 'Hello  there world ' }), { kind: 'exact', duplicateOf: 's1', similarity: 1 });
  assert.deepEqual(await dedup.check({ id: 's3', text: 'hello there world' }), { kind: 'unique' });
});

test('nearDuplicates: false keeps exact dedup only', async () => {
  const dedup = new Deduplicator(new MemorySignatureStore(), { nearDuplicates: false });
  await dedup.check(a);
  assert.deepEqual(await dedup.check({ id: 'near', text: changeWords(a.text, 1, seededRandom(9)) }), { kind: 'unique' });
  assert.equal(dedup.fingerprint(a).bandKeys.length, 0);
});

test('exactKey is sha256 of the normalized text', () => {
  assert.equal(exactKey(' a\n b '), exactKey('a b'));
  assert.match(exactKey('a b'), /^x:[0-9a-f]{64}$/);
});

test('toDuplicateMessage fills the Duplicate contract', () => {
  const doc = { id: 'd', text: 't' };
  assert.equal(toDuplicateMessage(doc, { kind: 'unique' }), null);
  assert.deepEqual(toDuplicateMessage(doc, { kind: 'near', duplicateOf: 'x', similarity: 0.9 }), {
    document: doc,
    duplicateOf: 'x',
    kind: DuplicateKind.NEAR,
    similarity: 0.9,
  });
  assert.equal(toDuplicateMessage(doc, { kind: 'exact', duplicateOf: 'x', similarity: 1 })?.kind, DuplicateKind.EXACT);
});
