// Engine interchange and recovery, through the state a checkpoint stores (Engine.snapshot):
//   ONNX 5 steps -> torch resumes (steps 6-10) -> ONNX resumes (11-15): losses continue the
//   ONNX-only run within 1e-4;
//   kill -9 of a rank fails the engine with the reason; a new group resumed from the last snapshot
//   repeats the lost step bit-identically (CPU);
//   a hung group (SIGSTOP) is detected by its missing heartbeats.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { batchFromPackedRows, type TokenBatch } from '@cptflow/model';
import { onnxEngine, type Engine, type EngineState } from '@cptflow/training';
import { goldenSetup } from './testing/golden';
import { torchPythonOrSkip } from './testing/python';
import { TorchEngine } from './torch-engine';

const { fx, config, lr, options } = goldenSetup();

function stepBatches(step: number): TokenBatch[] {
  return fx.trainBatches.input_ids[step].map((tokens, row) => batchFromPackedRows([{ tokens, documentStarts: [0, 4 + ((step + row) % 3), 11] }]));
}

const workersOf = (launcherPid: number) => execFileSync('pgrep', ['-P', String(launcherPid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
/** A deep copy: the ONNX engine takes ownership of the arrays it starts from. */
const copyState = (s: Required<EngineState>): EngineState => {
  const copy = (r: Record<string, Float32Array>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.slice()]));
  return { step: s.step, params: copy(s.params), expAvg: copy(s.expAvg), expAvgSq: copy(s.expAvgSq) };
};

test('ONNX -> torch -> ONNX continues the loss curve; kill -9 of a rank resumes bit-identically; a hung group is detected', { timeout: 300_000 }, async (t) => {
  if (!torchPythonOrSkip(t)) return;
  const engines: Engine[] = [];
  const started = <E extends Engine>(e: E) => (engines.push(e), e);
  try {
    // The reference: ONNX all the way, with the state after step 5 kept as a checkpoint would.
    const onnx = started(await onnxEngine(config, options, { step: 0, params: Object.fromEntries(fx.params()) }));
    const reference: number[] = [];
    let afterFive: Required<EngineState> | undefined;
    for (let s = 0; s < 15; s++) {
      reference.push((await onnx.step(stepBatches(s), lr)).loss);
      if (s === 4) afterFive = await onnx.snapshot();
    }

    const torch = started(await TorchEngine.start(config, options, copyState(afterFive!), { threadsPerRank: 1 }));
    for (let s = 5; s < 10; s++) {
      const loss = (await torch.step(stepBatches(s), lr)).loss;
      assert.ok(Math.abs(loss - reference[s]) <= 1e-4, `torch after ONNX, step ${s}: ${loss} vs ${reference[s]}`);
    }
    const afterTen = await torch.snapshot();
    assert.equal(afterTen.step, 10);
    const lostStep = (await torch.step(stepBatches(10), lr)).loss;

    const back = started(await onnxEngine(config, options, copyState(afterTen)));
    for (let s = 10; s < 15; s++) {
      const loss = (await back.step(stepBatches(s), lr)).loss;
      assert.ok(Math.abs(loss - reference[s]) <= 1e-4, `ONNX after torch, step ${s}: ${loss} vs ${reference[s]}`);
    }

    // kill -9 of the rank: the engine fails with the reason, and stays failed.
    for (const pid of workersOf(torch.launcherPid!)) process.kill(pid, 'SIGKILL');
    await assert.rejects(torch.step(stepBatches(11), lr), /torch worker group (exited|closed its connection)/);

    // A new group from the last snapshot repeats step 11 exactly.
    const resumed = started(await TorchEngine.start(config, options, copyState(afterTen), { threadsPerRank: 1, heartbeatMs: 200 }));
    assert.equal((await resumed.step(stepBatches(10), lr)).loss, lostStep, 'resumed step is bit-identical');

    // A stopped (hung) group misses its heartbeats: the step fails instead of waiting forever.
    for (const pid of workersOf(resumed.launcherPid!)) process.kill(pid, 'SIGSTOP');
    const hungAt = Date.now();
    await assert.rejects(resumed.step(stepBatches(11), lr), /no heartbeat for .* s \(hung\?\)/);
    assert.ok(Date.now() - hungAt < 10_000, 'detected within 10 heartbeats and a little');
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
});
