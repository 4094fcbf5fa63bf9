import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ResultsError } from './errors';
import { pageOffset, pageRequest } from './pagination';
import { checkCheckpoint, checkTaskResult } from './records';
import type { TaskResultRecord } from './types';

const good: TaskResultRecord = {
  task: 'mmlu_high_school_physics',
  metric: 'acc_norm',
  value: 0.4,
  stderr: 0.05,
  n: 151,
  settings: { numFewshot: 5, limit: null, harnessVersion: '0.4.9' },
  samples: [{ docIndex: 0, predicted: 2, gold: 2, correct: true, logprobs: [-4, -3, -1, Number.NEGATIVE_INFINITY] }],
};

function invalid(pattern: RegExp) {
  return (e: unknown) => e instanceof ResultsError && e.kind === 'invalid' && pattern.test(e.message);
}

describe('checkTaskResult', () => {
  it('accepts a well-formed result, -Infinity log-likelihoods included', () => {
    assert.doesNotThrow(() => checkTaskResult(good));
  });
  it('names the field that is wrong', () => {
    assert.throws(() => checkTaskResult({ ...good, task: 'MMLU Physics' }), invalid(/task must be a harness task name/));
    assert.throws(() => checkTaskResult({ ...good, metric: '' }), invalid(/metric must be/));
    assert.throws(() => checkTaskResult({ ...good, value: Number.POSITIVE_INFINITY }), invalid(/value must be a finite number/));
    assert.throws(() => checkTaskResult({ ...good, n: 1.5 }), invalid(/n must be a non-negative integer/));
    assert.throws(() => checkTaskResult({ ...good, settings: { ...good.settings, harnessVersion: '' } }), invalid(/harnessVersion/));
    assert.throws(() => checkTaskResult({ ...good, samples: [{ ...good.samples![0], logprobs: [Number.NaN] }] }), invalid(/doc 0.*logprobs/));
    assert.throws(() => checkTaskResult({ ...good, samples: [good.samples![0], good.samples![0]] }), invalid(/docIndex 0 appears twice/));
  });
});

describe('checkCheckpoint', () => {
  const ckpt = { run: 'cpt', step: 10, tokensSeen: 2 ** 40, path: '/c', isBase: false };
  it('accepts token counts beyond 32 bits', () => assert.doesNotThrow(() => checkCheckpoint(ckpt)));
  it('rejects an empty run name and a negative step', () => {
    assert.throws(() => checkCheckpoint({ ...ckpt, run: '' }), invalid(/name must be a non-empty string/));
    assert.throws(() => checkCheckpoint({ ...ckpt, step: -1 }), invalid(/step must be a non-negative integer/));
    assert.throws(() => checkCheckpoint({ ...ckpt, loss: Number.NaN }), invalid(/loss must be a finite number/));
  });
});

describe('pageRequest', () => {
  it('defaults to the first page of 50 and computes offsets', () => {
    assert.deepEqual(pageRequest(), { page: 1, pageSize: 50 });
    assert.equal(pageOffset(pageRequest(3, 20)), 40);
  });
  it('rejects pages below 1 and page sizes above the maximum', () => {
    assert.throws(() => pageRequest(0), invalid(/page must be an integer from 1 to 1000000/));
    assert.throws(() => pageRequest(1_000_001), invalid(/page must be an integer from 1 to 1000000/));
    assert.throws(() => pageRequest(1, 501), invalid(/pageSize must be an integer from 1 to 500/));
  });
});
