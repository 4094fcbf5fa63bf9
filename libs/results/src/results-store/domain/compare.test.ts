import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { combinedStderr, compareResults, scoreDelta } from './compare';
import type { CheckpointView, TaskResultView } from './types';

const settings = { numFewshot: 0, limit: null, harnessVersion: '0.4.9' };

function ckpt(id: number): CheckpointView {
  return { id, run: 'r', step: id, tokensSeen: id * 10, path: `/c/${id}`, hfPath: null, loss: null, isBase: id === 0, createdAt: new Date(0).toISOString() };
}

function res(task: string, metric: string, value: number, stderr: number | null, extra: Partial<TaskResultView> = {}): TaskResultView {
  return { id: 0, task, metric, value, stderr, n: 100, settings, ...extra };
}

describe('combinedStderr', () => {
  it('adds independent standard errors in quadrature', () => {
    assert.equal(combinedStderr(0.3, 0.4), 0.5);
    assert.equal(combinedStderr(0, 0), 0);
  });
  it('is undefined when either side has no stderr', () => {
    assert.equal(combinedStderr(null, 0.1), null);
    assert.equal(combinedStderr(0.1, Number.NaN), null);
  });
});

describe('scoreDelta', () => {
  it('reports value minus baseline, its stderr and z', () => {
    const d = scoreDelta(res('mmlu', 'acc', 0.25, 0.03), res('mmlu', 'acc', 0.33, 0.04));
    assert.ok(Math.abs(d.delta - 0.08) < 1e-12);
    assert.ok(Math.abs(d.stderr! - 0.05) < 1e-12);
    assert.ok(Math.abs(d.z! - 1.6) < 1e-9);
    assert.equal(d.settingsDiffer, false);
  });
  it('has no z when the stderr is zero or missing', () => {
    assert.equal(scoreDelta(res('t', 'acc', 1, 0), res('t', 'acc', 1, 0)).z, null);
    assert.equal(scoreDelta(res('t', 'acc', 1, null), res('t', 'acc', 0.5, 0.1)).stderr, null);
  });
  it('flags results scored with different settings', () => {
    const fewshot = res('t', 'acc', 0.5, 0.1, { settings: { ...settings, numFewshot: 5 } });
    assert.equal(scoreDelta(res('t', 'acc', 0.4, 0.1), fewshot).settingsDiffer, true);
  });
});

describe('compareResults', () => {
  it('pairs by task and metric, sorted, and lists what only one side has', () => {
    const cmp = compareResults(
      ckpt(0),
      [res('piqa', 'acc', 0.6, 0.01), res('arc_easy', 'acc_norm', 0.4, 0.01), res('arc_easy', 'acc', 0.5, 0.01)],
      ckpt(1),
      [res('arc_easy', 'acc', 0.55, 0.01), res('arc_easy', 'acc_norm', 0.45, 0.01), res('boolq', 'acc', 0.7, 0.01)],
    );
    assert.deepEqual(cmp.deltas.map((d) => `${d.task}/${d.metric}`), ['arc_easy/acc', 'arc_easy/acc_norm']);
    assert.deepEqual(cmp.onlyInBaseline, [{ task: 'piqa', metric: 'acc' }]);
    assert.deepEqual(cmp.onlyInCheckpoint, [{ task: 'boolq', metric: 'acc' }]);
    assert.equal(cmp.baseline.id, 0);
    assert.equal(cmp.checkpoint.id, 1);
  });
});
