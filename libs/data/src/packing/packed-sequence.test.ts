import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildSequence, positionIds, segmentIds, sequenceId, sequenceSegments } from './packed-sequence';

const segs = [
  { docId: 'a', offset: 5, tokens: Uint32Array.of(10, 11), docLength: 7 },
  { docId: 'b', offset: 0, tokens: Uint32Array.of(1, 20, 21, 2), docLength: 4 },
];

test('buildSequence lays segments end to end and pads the rest', () => {
  const seq = buildSequence(segs, 8, 0);
  assert.deepEqual([...seq.tokens], [10, 11, 1, 20, 21, 2, 0, 0]);
  assert.deepEqual(seq.docStarts, [0, 2]);
  assert.deepEqual(seq.docIds, ['a', 'b']);
  assert.deepEqual(seq.docLengths, [7, 4]);
  assert.equal(seq.numTokens, 6);
  assert.throws(() => buildSequence(segs, 5, 0), /overflow/);
  assert.deepEqual(sequenceSegments(seq).map(([id, t]) => [id, [...t]]), [['a', [10, 11]], ['b', [1, 20, 21, 2]]]);
});

test('sequence id depends on document ids, offsets, lengths and seqLen only', () => {
  const same = [{ ...segs[0], tokens: Uint32Array.of(99, 98) }, segs[1]];
  assert.equal(sequenceId(same, 8), sequenceId(segs, 8));
  assert.notEqual(sequenceId(segs, 9), sequenceId(segs, 8));
  assert.notEqual(sequenceId([{ ...segs[0], offset: 6 }, segs[1]], 8), sequenceId(segs, 8));
  assert.match(sequenceId(segs, 8), /^seq:[0-9a-f]{32}$/);
});

test('segment and position ids for document masking', () => {
  const seq = buildSequence(segs, 8, 0);
  assert.deepEqual([...segmentIds(seq)], [0, 0, 1, 1, 1, 1, -1, -1]);
  assert.deepEqual([...positionIds(seq)], [0, 1, 0, 1, 2, 3, 0, 0]);
});
