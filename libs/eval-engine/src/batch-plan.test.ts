import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PAD_TOKEN_ID, planForwardPasses } from './batch-plan';

const ids = (a: BigInt64Array) => Array.from(a, Number);

test('each continuation token is scored at the position that predicts it', () => {
  const [pass] = planForwardPasses([{ contextIds: [1, 5, 6], continuationIds: [7, 8] }]);
  assert.equal(pass.batch, 1);
  assert.equal(pass.seq, 4); // (ctx ++ cont)[:-1]
  assert.deepEqual(ids(pass.inputIds), [1, 5, 6, 7]);
  assert.deepEqual(ids(pass.positionIds), [0, 1, 2, 3]);
  assert.deepEqual(ids(pass.scoreIndex), [2, 3]);
  assert.deepEqual(ids(pass.scoreTarget), [7, 8]);
  assert.deepEqual([...pass.scoreOwner], [0, 0]);
});

test('requests with the same model input share one row; shorter rows are right-padded', () => {
  const passes = planForwardPasses([
    { contextIds: [1, 9], continuationIds: [3] }, // input [1, 9]
    { contextIds: [1, 2, 3, 4], continuationIds: [5] }, // input [1, 2, 3, 4]
    { contextIds: [1, 9], continuationIds: [4] }, // shares [1, 9]
    { contextIds: [1], continuationIds: [9, 4] }, // input [1, 9] again, split differently
  ]);
  assert.equal(passes.length, 1);
  const [p] = passes;
  assert.equal(p.batch, 2);
  assert.equal(p.seq, 4);
  assert.equal(p.tokens, 6);
  assert.deepEqual(ids(p.inputIds), [1, 2, 3, 4, 1, 9, PAD_TOKEN_ID, PAD_TOKEN_ID]);
  // row 0 = the longest request; row 1 = the shared [1, 9]
  assert.deepEqual([...p.scoreOwner], [1, 0, 2, 3, 3]);
  assert.deepEqual(ids(p.scoreIndex), [3, 5, 5, 4, 5]);
  assert.deepEqual(ids(p.scoreTarget), [5, 3, 4, 9, 4]);
});

test('a token budget splits a batch into passes, longest rows first', () => {
  const req = (n: number) => ({ contextIds: Array.from({ length: n }, (_, i) => i + 1), continuationIds: [99] });
  const passes = planForwardPasses([req(3), req(8), req(5), req(2)], { maxTokensPerPass: 16 });
  assert.deepEqual(passes.map((p) => [p.batch, p.seq]), [[2, 8], [2, 3]]);
  const alone = planForwardPasses([req(30)], { maxTokensPerPass: 16 });
  assert.deepEqual(alone.map((p) => [p.batch, p.seq]), [[1, 30]]);
});

test('empty continuations and contexts are refused', () => {
  assert.throws(() => planForwardPasses([{ contextIds: [1], continuationIds: [] }]), /empty continuation/);
  assert.throws(() => planForwardPasses([{ contextIds: [], continuationIds: [2] }]), /empty context/);
});
