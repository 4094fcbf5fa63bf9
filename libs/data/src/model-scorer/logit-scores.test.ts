import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fineWebEduIntScore, roundHalfToEven, scoreOfLogits, softmaxRow } from './logit-scores';

describe('logit scores', () => {
  it('rounds halves to even like Python round()', () => {
    // Python: [round(x) for x in (0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 2.4999, 2.5001)] == [0, 2, 2, 4, 0, -2, 2, 3]
    assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 2.4999, 2.5001].map(roundHalfToEven), [0, 2, 2, 4, 0, -2, 2, 3]);
  });

  it("computes FineWeb-Edu's int_score: clamp to 0..5, then round", () => {
    assert.deepEqual([-1.2, 0.49, 2.5, 2.51, 3.49, 4.6, 7.3].map(fineWebEduIntScore), [0, 0, 2, 3, 3, 5, 5]);
  });

  it('reads regression, expected-class and class-probability scores from a row of logits', () => {
    assert.equal(scoreOfLogits([2.75], { mode: 'regression' }), 2.75);
    assert.equal(scoreOfLogits([2.75], { mode: 'int_score' }), 3);
    const p = softmaxRow([1, 2, 3]);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(Math.abs(scoreOfLogits([1, 2, 3], { mode: 'expected_class' }) - (p[1] + 2 * p[2])) < 1e-12);
    assert.equal(scoreOfLogits([1, 2, 3], { mode: 'class_probability', classIndex: 0 }), p[0]);
    // Large logits do not overflow.
    assert.ok(Math.abs(scoreOfLogits([1000, 1000], { mode: 'class_probability', classIndex: 1 }) - 0.5) < 1e-12);
  });
});
