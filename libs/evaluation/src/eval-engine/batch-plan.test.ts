import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTEXT_BRANCH as C, PAD_BRANCH as P, PAD_TOKEN_ID, planForwardPasses } from './batch-plan';

const ids = (a: BigInt64Array) => Array.from(a, Number);

test('each continuation token is scored at the position that predicts it', () => {
  const [pass] = planForwardPasses([{ contextIds: [1, 5, 6], continuationIds: [7, 8] }]);
  assert.equal(pass.batch, 1);
  assert.equal(pass.seq, 4); // (ctx ++ cont)[:-1]
  assert.deepEqual(ids(pass.inputIds), [1, 5, 6, 7]);
  assert.deepEqual(ids(pass.positionIds), [0, 1, 2, 3]);
  assert.deepEqual(ids(pass.branchIds), [C, C, C, 1]);
  assert.deepEqual(ids(pass.scoreIndex), [2, 3]);
  assert.deepEqual(ids(pass.scoreTarget), [7, 8]);
  assert.deepEqual([...pass.scoreOwner], [0, 0]);
});

test('requests with the same context share a row: one copy of the context, a branch per longer continuation', () => {
  const [p] = planForwardPasses([
    { contextIds: [1, 9], continuationIds: [3] }, // single token: read at the context's last position
    { contextIds: [1, 2, 3, 4], continuationIds: [5] },
    { contextIds: [1, 9], continuationIds: [4, 6, 8] }, // branch 2: tokens 4, 6
    { contextIds: [1, 9], continuationIds: [7, 2] }, // branch 3: token 7
  ]);
  assert.equal(p.batch, 2);
  assert.equal(p.seq, 5);
  assert.equal(p.tokens, 5 + 4);
  // row 0 (the longest): context [1, 9] + branch of request 2 ([4, 6]) + branch of request 3 ([7])
  assert.deepEqual(ids(p.inputIds), [1, 9, 4, 6, 7, 1, 2, 3, 4, PAD_TOKEN_ID]);
  assert.deepEqual(ids(p.positionIds), [0, 1, 2, 3, 2, 0, 1, 2, 3, 0]);
  assert.deepEqual(ids(p.branchIds), [C, C, 2, 2, 3, C, C, C, C, P]);
  assert.deepEqual([...p.scoreOwner], [0, 2, 2, 2, 3, 3, 1]);
  // request 0's token and the first tokens of 2 and 3 at the context's last position (1);
  // request 2's 6 after its 4 (2) and 8 after its 6 (3); request 3's 2 after its 7 (4); request 1 at 5 + 3
  assert.deepEqual(ids(p.scoreIndex), [1, 1, 2, 3, 1, 4, 8]);
  assert.deepEqual(ids(p.scoreTarget), [3, 4, 6, 8, 7, 2, 5]);
});

test('a token budget splits a batch into passes (longest rows first) and caps the branches per row', () => {
  const req = (n: number) => ({ contextIds: Array.from({ length: n }, (_, i) => i + 1), continuationIds: [99] });
  const passes = planForwardPasses([req(9), req(20), req(18), req(10), req(8)], { maxTokensPerPass: 40 });
  assert.deepEqual(passes.map((p) => [p.batch, p.seq]), [[2, 20], [3, 10]]);
  // rows far shorter than the longest are not padded up to it, even with budget to spare
  assert.deepEqual(planForwardPasses([req(20), req(5), req(4)]).map((p) => [p.batch, p.seq]), [[1, 20], [2, 5]]);
  assert.deepEqual(planForwardPasses([req(30)], { maxTokensPerPass: 16 }).map((p) => [p.batch, p.seq]), [[1, 30]]);
  const branches = Array.from({ length: 4 }, (_, k) => ({ contextIds: [1, 2, 3, 4], continuationIds: [10 + k, 20 + k, 30 + k, 40 + k] }));
  const split = planForwardPasses(branches, { maxTokensPerPass: 10 });
  // 4 context tokens + 3 per branch: two branches fit in 10, so two rows, one per pass
  assert.deepEqual(split.map((p) => [p.batch, p.seq]), [[1, 10], [1, 10]]);
});

test('a continuation longer than its context gets a row of its own, even when the context is shared', () => {
  // rolling perplexity's first windows: the one prefix token, then a document's first tokens
  const windows = [5, 6, 4].map((n, d) => ({ contextIds: [1], continuationIds: Array.from({ length: n }, (_, i) => 100 * (d + 1) + i) }));
  const shortChoice = { contextIds: [1], continuationIds: [7, 8] }; // one branch token: shares the context
  const passes = planForwardPasses([...windows, shortChoice]);
  const rows = passes.flatMap((p) => Array.from({ length: p.batch }, (_, b) => ids(p.branchIds).slice(b * p.seq, (b + 1) * p.seq).filter((x) => x !== P)));
  assert.deepEqual(rows.map((r) => r.length).sort((a, b) => a - b), [2, 4, 5, 6]);
  assert.ok(rows.every((r) => new Set(r.filter((x) => x !== C)).size <= 1), 'no row holds two branches');
  // every token still scored once, at the position that predicts it
  const scored = passes.reduce((n, p) => n + p.scoreTarget.length, 0);
  assert.equal(scored, 5 + 6 + 4 + 2);
  const [longest] = passes;
  assert.deepEqual(ids(longest.inputIds).slice(0, 6), [1, 200, 201, 202, 203, 204]);
  assert.deepEqual(ids(longest.scoreTarget).slice(0, 6), [200, 201, 202, 203, 204, 205]);
});

test('empty continuations and contexts are refused', () => {
  assert.throws(() => planForwardPasses([{ contextIds: [1], continuationIds: [] }]), /empty continuation/);
  assert.throws(() => planForwardPasses([{ contextIds: [], continuationIds: [2] }]), /empty context/);
});
