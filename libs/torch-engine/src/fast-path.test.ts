// The GPU fast path is the same model: flex_attention with a document BlockMask, and torch.compile'd
// decoder blocks (with activation checkpointing, as on a GPU by default), give the loss and every
// gradient of the dense-mask SDPA path (fp32, CPU, rows packing three documents, two micro-batches
// per step). The model is the golden tiny LLaMA's shape
// with MobileLLM's head layout (three query heads per key/value head, which the flex path expands;
// the golden two-per-head layout is engine-equivalence.test.ts's). Gradients are read
// through the Engine interface: without clipping, AdamW's first moment after step 1 is
// (1 − β1) · gradient, so the gradient is exp_avg / (1 − β1).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchFromPackedRows, initParameters, TINY_TEST, type TokenBatch, type TrainerOptions } from '@cptflow/model';
import { tinyLlama } from '@cptflow/model/testing';
import type { Engine, EngineStepResult } from '@cptflow/training';
import type { TorchSettings } from './settings';
import { torchPythonOrSkip } from './testing/python';
import { torchEngine } from './torch-engine';

const fx = tinyLlama();
const config = { ...TINY_TEST, hiddenSize: 96, numHeads: 6, numKvHeads: 2 };
const { lr, betas, eps, weight_decay } = fx.meta.adamw;
const options: TrainerOptions = {
  batch: 1,
  seq: 16,
  documentMask: true,
  recomputeLayers: false,
  adamw: { beta1: betas[0], beta2: betas[1], eps, weightDecay: weight_decay },
  decay: 'matrices',
};
const STEPS = 3;
const TOLERANCE = 1e-5;

function stepBatches(step: number): TokenBatch[] {
  return fx.trainBatches.input_ids[step].map((tokens, row) => batchFromPackedRows([{ tokens, documentStarts: [0, 3 + ((step + row) % 5), 10 + (step % 4)] }]));
}

/** Losses of STEPS steps and the first step's gradients, per parameter. */
async function run(settings: Partial<TorchSettings>): Promise<{ losses: number[]; gradients: Record<string, Float32Array> }> {
  const engine: Engine = await torchEngine({ nprocPerNode: 1, threadsPerRank: 1, ...settings })(config, options, { step: 0, params: Object.fromEntries(initParameters(config, 7)) });
  try {
    const losses: number[] = [];
    let gradients: Record<string, Float32Array> = {};
    for (let step = 0; step < STEPS; step++) {
      const result: EngineStepResult = await engine.step(stepBatches(step), lr);
      losses.push(result.loss);
      if (step === 0) {
        const { expAvg } = await engine.snapshot();
        gradients = Object.fromEntries(Object.entries(expAvg!).map(([name, m]) => [name, m.map((v) => v / (1 - betas[0]))]));
      }
    }
    return { losses, gradients };
  } finally {
    await engine.close();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

test(`flex attention and compiled blocks = SDPA with a dense mask: ${STEPS} losses and every gradient within ${TOLERANCE}`, { timeout: 180_000 }, async (t) => {
  if (!torchPythonOrSkip(t)) return;
  const variants = [{ attention: 'flex' }, { attention: 'flex', compile: true, compileBackend: 'aot_eager', activationCheckpointing: true }] as const;
  // Three worker groups at once: most of each run is starting Python.
  const [dense, ...fastRuns] = await Promise.all([run({ attention: 'sdpa' }), ...variants.map((v) => run(v))]);
  for (const [i, settings] of variants.entries()) {
    const label = JSON.stringify(settings);
    const fast = fastRuns[i];
    const lossDiff = Math.max(...fast.losses.map((l, i) => Math.abs(l - dense.losses[i])));
    const names = Object.keys(dense.gradients);
    assert.deepEqual(Object.keys(fast.gradients).sort(), [...names].sort());
    const gradientDiff = Math.max(...names.map((n) => maxAbsDiff(fast.gradients[n], dense.gradients[n])));
    t.diagnostic(`${label}: max |Δloss| ${lossDiff.toExponential(2)}, max |Δgradient| ${gradientDiff.toExponential(2)}`);
    assert.ok(lossDiff <= TOLERANCE, `${label}: losses ${fast.losses} vs ${dense.losses}`);
    assert.ok(gradientDiff <= TOLERANCE, `${label}: a gradient differs by ${gradientDiff}`);
  }
});
