import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OrtWorker, OrtWorkerError, TensorPayload } from './index';
import { tickGapsDuring } from './testing';

const FIXTURES = join(resolve(__dirname, '../../../../..'), 'libs/onnx/fixtures/ort-worker');
const affineModel = () => new Uint8Array(readFileSync(join(FIXTURES, 'affine_embed.onnx')));
const busyModel = () => new Uint8Array(readFileSync(join(FIXTURES, 'busy_loop.onnx')));

// The fixture's constants (see fixtures/generate_models.py).
const W = (i: number, j: number) => (i - j) / 4;
const B = [0.5, -0.5, 0];

test('runs a model in the worker with float32 and int64 feeds and returns exact outputs', async () => {
  const worker = OrtWorker.start();
  try {
    const session = await worker.createSession(affineModel(), { intraOpNumThreads: 1, graphOptimizationLevel: 'disabled' });
    assert.deepEqual(session.inputNames, ['x', 'ids']);
    assert.deepEqual(session.outputNames, ['y', 'e']);
    const x = Float32Array.from([1, 2, 3, 4, -1, 0.5, 0, 2]);
    const { outputs, runMs } = await session.run({
      x: { type: 'float32', dims: [2, 4], data: x },
      ids: { type: 'int64', dims: [3], data: BigInt64Array.from([7n, 0n, 3n]) },
    });
    const expectedY: number[] = [];
    for (let n = 0; n < 2; n++) {
      for (let j = 0; j < 3; j++) {
        let s = B[j];
        for (let i = 0; i < 4; i++) s += x[n * 4 + i] * W(i, j);
        expectedY.push(Math.max(0, s));
      }
    }
    assert.deepEqual(outputs.y.dims, [2, 3]);
    assert.equal(outputs.y.type, 'float32');
    assert.deepEqual([...outputs.y.data as Float32Array], expectedY.map(Math.fround));
    assert.deepEqual([...outputs.e.data as Float32Array], [7, -7, 0, 0, 3, -3]);
    assert.ok(runMs >= 0);

    const only = await session.run({ x: { type: 'float32', dims: [0, 4], data: new Float32Array(0) }, ids: { type: 'int64', dims: [1], data: BigInt64Array.from([9n]) } }, { fetches: ['e'] });
    assert.deepEqual(Object.keys(only.outputs), ['e']);
    await session.release();
  } finally {
    await worker.terminate();
  }
});

test('feeds are transferred (not copied) on request; views into larger buffers are copied', async () => {
  const worker = OrtWorker.start();
  try {
    const session = await worker.createSession(affineModel());
    const x = new Float32Array(4 * 4).fill(1);
    const ids = BigInt64Array.from([1n]);
    const big = new Float32Array(100).fill(2);
    const view = big.subarray(10, 18);
    await session.run({ x: { type: 'float32', dims: [4, 4], data: x }, ids: { type: 'int64', dims: [1], data: ids } }, { transfer: true });
    assert.equal(x.byteLength, 0, 'x moved to the worker');
    assert.equal(ids.byteLength, 0, 'ids moved to the worker');
    const r = await session.run({ x: { type: 'float32', dims: [2, 4], data: view }, ids: { type: 'int64', dims: [1], data: BigInt64Array.from([1n]) } }, { transfer: true });
    assert.equal(view.length, 8, 'a view into a larger buffer stays usable');
    assert.equal(big[0], 2);
    assert.equal(r.outputs.y.data.length, 6);
    const copy = Float32Array.from([1, 1, 1, 1]);
    await session.run({ x: { type: 'float32', dims: [1, 4], data: copy }, ids: { type: 'int64', dims: [1], data: BigInt64Array.from([1n]) } });
    assert.equal(copy.length, 4, 'without transfer the caller keeps its array');
  } finally {
    await worker.terminate();
  }
});

test('errors come back as rejected promises and the worker keeps serving', async () => {
  const worker = OrtWorker.start();
  try {
    await assert.rejects(worker.createSession(new Uint8Array([1, 2, 3, 4])), OrtWorkerError);
    const session = await worker.createSession(affineModel());
    await assert.rejects(session.run({ nope: { type: 'float32', dims: [1], data: new Float32Array(1) } }), /nope|input/i);
    await session.release();
    await assert.rejects(session.run({}), /no session/);
    const again = await worker.createSession(affineModel());
    const ok = await again.run({ x: { type: 'float32', dims: [1, 4], data: new Float32Array(4) }, ids: { type: 'int64', dims: [1], data: BigInt64Array.from([2n]) } });
    assert.deepEqual([...ok.outputs.e.data as Float32Array], [2, -2]);
  } finally {
    await worker.terminate();
  }
  await assert.rejects(worker.createSession(affineModel()), /exited/);
});

function busyFeeds(trips: number): Record<string, TensorPayload> {
  const S = 192;
  return {
    trips: { type: 'int64', dims: [], data: BigInt64Array.from([BigInt(trips)]) },
    x: { type: 'float32', dims: [S, S], data: new Float32Array(S * S).fill(0.01) },
    w: { type: 'float32', dims: [S, S], data: new Float32Array(S * S).fill(0.005) },
  };
}

test('the event loop keeps ticking during a long run in the worker (and stalls when run on the main thread)', async (t) => {
  const worker = OrtWorker.start();
  try {
    const session = await worker.createSession(busyModel(), { intraOpNumThreads: 1 });
    // Calibrate so the long run takes about 400 ms on this machine, whatever its speed.
    const probe = await session.run(busyFeeds(20));
    const trips = Math.max(20, Math.round((400 / Math.max(probe.runMs, 0.5)) * 20));
    const off = await tickGapsDuring(() => session.run(busyFeeds(trips)));
    t.diagnostic(`worker: ${trips} trips in ${off.workMs.toFixed(0)} ms, ${off.ticks} ticks, max gap ${off.maxGapMs.toFixed(1)} ms`);
    assert.ok(off.workMs > 200, `the run was long enough to matter (${off.workMs} ms)`);
    assert.ok(off.maxGapMs < Math.max(100, off.workMs / 3), `main thread kept ticking (max gap ${off.maxGapMs} ms)`);
    assert.ok(off.ticks >= off.workMs / 5 / 4, `interval fired ${off.ticks} times`);

    // Contrast: the same run through onnxruntime-node on the main thread blocks the loop throughout.
    const mainSession = await ort.InferenceSession.create(busyModel(), { intraOpNumThreads: 1 });
    const feeds = Object.fromEntries(Object.entries(busyFeeds(trips)).map(([k, v]) => [k, new ort.Tensor(v.type, v.data, [...v.dims])]));
    const on = await tickGapsDuring(() => mainSession.run(feeds));
    t.diagnostic(`main thread: ${on.workMs.toFixed(0)} ms, ${on.ticks} ticks, max gap ${on.maxGapMs.toFixed(1)} ms`);
    assert.ok(on.maxGapMs > on.workMs * 0.5, 'running on the main thread stalls timers for most of the run');
    await mainSession.release();
  } finally {
    await worker.terminate();
  }
});
