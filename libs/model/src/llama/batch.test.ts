import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchFromLabels, batchFromPackedRows } from './batch';
import { tinyLlama } from './testing/fixtures';

const nums = (a: BigInt64Array) => Array.from(a, Number);

test('packed rows give per-token document ids, restarting positions and no cross-document targets', () => {
  const fx = tinyLlama().packed;
  const starts = fx.doc_lengths.map((lengths) => lengths.map((_, i) => lengths.slice(0, i).reduce((s, n) => s + n, 0)));
  const batch = batchFromPackedRows(fx.input_ids.map((tokens, b) => ({ tokens, documentStarts: starts[b] })));
  assert.deepEqual(nums(batch.docIds!), fx.doc_ids.flat());
  assert.deepEqual(nums(batch.positionIds), fx.position_ids.flat());
  const expected = batchFromLabels(fx.input_ids, fx.labels);
  assert.deepEqual(nums(batch.targets), nums(expected.targets));
});

test('targets are the labels shifted left by one, the last position ignored', () => {
  const b = batchFromLabels([[5, 6, 7]], [[5, -100, 7]]);
  assert.deepEqual(nums(b.targets), [-100, 7, -100]);
  assert.deepEqual(nums(b.positionIds), [0, 1, 2]);
});

test('without position reset, positions keep counting across documents', () => {
  const b = batchFromPackedRows([{ tokens: [1, 2, 3, 4], documentStarts: [0, 2] }], false);
  assert.deepEqual(nums(b.positionIds), [0, 1, 2, 3]);
  assert.deepEqual(nums(b.docIds!), [0, 0, 1, 1]);
  assert.deepEqual(nums(b.targets), [2, -100, 4, -100]);
});
