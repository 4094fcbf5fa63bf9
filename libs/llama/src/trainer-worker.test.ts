import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchFromLabels } from './batch';
import { LlamaTrainer } from './trainer';
import { TrainerWorkerClient } from './trainer-worker';
import { tinyLlama } from './testing/fixtures';

test('a trainer in a worker thread trains like one in-process and leaves the event loop free', async () => {
  const fx = tinyLlama();
  const options = {
    batch: 2,
    seq: 16,
    documentMask: false,
    recomputeLayers: false,
    adamw: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    session: { optimization: 'all' as const },
  };
  const local = await LlamaTrainer.create(fx.architecture, fx.params(), options);
  const remote = await TrainerWorkerClient.start(fx.architecture, fx.params(), options);
  let ticks = 0;
  let ticksWhileRemoteTrained = 0;
  const timer = setInterval(() => ticks++, 1);
  for (let step = 0; step < 3; step++) {
    const batch = batchFromLabels(fx.trainBatches.input_ids[step]);
    const before = ticks;
    const remoteResult = await remote.trainStep([batch], 3e-3);
    ticksWhileRemoteTrained += ticks - before;
    const expected = await local.trainStep([batch], 3e-3);
    assert.equal(remoteResult.loss, expected.loss);
    assert.equal(remoteResult.gradNorm, expected.gradNorm);
  }
  clearInterval(timer);
  assert.ok(ticksWhileRemoteTrained > 0, 'timers fired while the worker trained');
  const state = await remote.state();
  assert.equal(state.step, 3);
  assert.deepEqual(Array.from(state.params.get('model.norm.weight')!), Array.from(local.params.get('model.norm.weight')!));
  await Promise.all([remote.close(), local.release()]);
});
