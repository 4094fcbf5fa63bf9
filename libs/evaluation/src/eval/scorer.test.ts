import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateGroup, meanStderr, TaskScore } from './metrics';
import { DocRequests } from './requests';
import { groupBySharedInput, LogLikelihoodModel, ScoreRequest, scoreDocument, scoreRequests, truncateForModel } from './scorer';

/** A model whose log-likelihood is a function of the ids, recording what it was asked. */
class CountingModel implements LogLikelihoodModel {
  readonly batches: ScoreRequest[][] = [];
  constructor(readonly maxLength?: number) {}
  scoreBatch(requests: ScoreRequest[]) {
    this.batches.push(requests);
    return requests.map((r) => ({ logprob: -(r.contextIds.length * 100 + r.continuationIds.reduce((a, b) => a + b, 0)), isGreedy: false }));
  }
}

describe('scoreRequests', () => {
  it('scores identical requests once and returns results in request order', async () => {
    const model = new CountingModel();
    const reqs = [
      { contextIds: [1, 5], continuationIds: [7] },
      { contextIds: [1, 5, 6, 6], continuationIds: [8] },
      { contextIds: [1, 5], continuationIds: [7] },
    ];
    const out = await scoreRequests(model, reqs);
    assert.deepEqual(out.map((r) => r.logprob), [-207, -408, -207]);
    assert.equal(model.batches.flat().length, 2);
    // longest first, as the harness's Collator orders them
    assert.deepEqual(model.batches[0][0].contextIds, [1, 5, 6, 6]);
  });

  it('keeps requests that share a model input in one batch and adjacent', async () => {
    const model = new CountingModel();
    const ctx = [1, 9, 9];
    const reqs = [[30], [31], [32], [33]].map((c) => ({ contextIds: ctx, continuationIds: c }));
    reqs.unshift({ contextIds: [1, 2, 3], continuationIds: [4] }, { contextIds: [1, 2, 3], continuationIds: [5] }, { contextIds: [1, 8, 8], continuationIds: [4] });
    await scoreRequests(model, reqs, { batchSize: 4 });
    for (const batch of model.batches) {
      const groups = groupBySharedInput(batch);
      for (const g of groups) assert.deepEqual(g.members, Array.from({ length: g.members.length }, (_, i) => g.members[0] + i));
    }
    const withLetters = model.batches.find((b) => b.some((r) => r.continuationIds[0] === 30))!;
    assert.equal(withLetters.filter((r) => r.contextIds === ctx || r.contextIds.join() === ctx.join()).length, 4);
    assert.deepEqual(groupBySharedInput(withLetters).map((g) => g.members.length).sort(), [4]);
  });

  it('left-truncates contexts to maxLength + 1 tokens like HFLM', () => {
    const r = truncateForModel({ contextIds: [1, 2, 3, 4, 5, 6], continuationIds: [7, 8] }, 5);
    assert.deepEqual(r, { contextIds: [3, 4, 5, 6], continuationIds: [7, 8] });
    assert.throws(() => truncateForModel({ contextIds: [1], continuationIds: [1, 2, 3] }, 2), /exceeds/);
  });
});

describe('scoreDocument', () => {
  const doc = (choices: string[], gold: number): DocRequests => ({ docIndex: 0, doc: {}, choices, gold, requests: [] });

  it('acc_norm divides by characters (code points), acc_bytes by UTF-8 bytes', () => {
    // ll/chars: -10/5=-2, -9.5/4=-2.375 -> choice 0; ll/bytes: -10/5, -9.5/7 -> choice 1 ("né🔥" is 7 bytes, 3... chars)
    const s = scoreDocument(doc(['abcde', 'né🔥x'], 0), [{ logprob: -10, isGreedy: false }, { logprob: -9.5, isGreedy: true }]);
    assert.equal(s.pred, 1);
    assert.equal(s.predNorm, 0);
    assert.equal(s.predBytes, 1);
    assert.deepEqual([s.acc, s.accNorm, s.accBytes], [0, 1, 0]);
  });

  it('breaks ties towards the first choice and counts an out-of-range gold as wrong', () => {
    const ll = [{ logprob: -3, isGreedy: false }, { logprob: -3, isGreedy: false }];
    assert.equal(scoreDocument(doc(['a', 'b'], 1), ll).pred, 0);
    assert.equal(scoreDocument(doc(['a', 'b'], -100), ll).acc, 0);
  });
});

describe('metrics', () => {
  it('stderr is the sample standard deviation over sqrt(n); n <= 1 is N/A', () => {
    assert.equal(meanStderr([1, 0, 0, 1]), Math.sqrt(1 / 3) / 2);
    assert.equal(meanStderr([1]), null);
  });

  it('groups: size-weighted mean with pooled stderr, or plain mean with sqrt(Σse²)/k', () => {
    const scores: TaskScore[] = [
      { task: 'a', n: 10, metrics: { acc: { value: 0.5, stderr: 0.1 } } },
      { task: 'b', n: 30, metrics: { acc: { value: 0.9, stderr: 0.05 } } },
    ];
    const weighted = aggregateGroup({ name: 'g', tasks: ['a', 'b'], metrics: ['acc'], weightBySize: true }, scores);
    assert.equal(weighted.metrics.acc!.value, (0.5 * 10 + 0.9 * 30) / 40);
    assert.equal(weighted.metrics.acc!.stderr, Math.sqrt((9 * 0.1 ** 2 * 10 + 29 * 0.05 ** 2 * 30) / 38 / 40));
    assert.equal(weighted.n, 40);
    const plain = aggregateGroup({ name: 'g', tasks: ['a', 'b'], metrics: ['acc'], weightBySize: false }, scores);
    assert.equal(plain.metrics.acc!.value, 0.7);
    assert.equal(plain.metrics.acc!.stderr, Math.sqrt(0.1 ** 2 + 0.05 ** 2) / 2);
  });
});
