import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CheckpointEvent, codecFor, EvalEvent } from '@cptflow/platform';
import { checkpointRecordFromEvent, evalEventFromResults } from './checkpoint-events';

const checkpoints = codecFor(CheckpointEvent);
const evals = codecFor(EvalEvent);

describe('checkpointRecordFromEvent', () => {
  it('maps a decoded CheckpointEvent, with 64-bit counts as numbers and empty fields as absent', () => {
    const bytes = checkpoints.encode({ run: 'cpt', step: 1200, tokensSeen: 5_000_000_123, path: '/c/1200', hfPath: '', loss: 0, createdAtMs: 1_764_000_000_000, isBase: false });
    const record = checkpointRecordFromEvent(checkpoints.decode(bytes));
    assert.deepEqual(record, { run: 'cpt', step: 1200, tokensSeen: 5_000_000_123, path: '/c/1200', hfPath: null, loss: null, isBase: false, createdAtMs: 1_764_000_000_000 });
  });
  it('rejects an event without a run or path', () => {
    assert.throws(() => checkpointRecordFromEvent({ run: '', path: '/x' }), /run is empty/);
    assert.throws(() => checkpointRecordFromEvent({ run: 'cpt', step: 3 }), /cpt@3: path is empty/);
  });
});

describe('evalEventFromResults', () => {
  it('carries every stored score and round-trips through the EvalEvent contract', () => {
    const checkpoint = { id: 4, run: 'cpt', step: 10, tokensSeen: 40960, path: '/c', hfPath: null, loss: null, isBase: false, createdAt: '' };
    const settings = { numFewshot: 0, limit: null, harnessVersion: '0.4.9' };
    const event = evalEventFromResults(checkpoint, [
      { id: 1, task: 'boolq', metric: 'acc', value: 0.6, stderr: 0.01, n: 3270, settings },
      { id: 2, task: 'tiny', metric: 'acc', value: 1, stderr: null, n: 1, settings },
    ]);
    const decoded = evals.decode(evals.encode(event));
    assert.equal(decoded.run, 'cpt');
    assert.equal(decoded.tokensSeen, 40960);
    assert.deepEqual(decoded.scores?.map((s) => [s.task, s.metric, s.value, s.n]), [['boolq', 'acc', 0.6, 3270], ['tiny', 'acc', 1, 1]]);
    assert.equal(decoded.scores?.[0].stderr, 0.01);
    assert.ok(Number.isNaN(decoded.scores?.[1].stderr));
  });
});
