// The torch engine (with either attention: dense-mask SDPA and flex) against the ONNX Runtime
// engine on the golden tiny LLaMA, both driven through
// the trainer's Engine interface: 30 steps of packed rows (document masks, positions restarting per
// document) in two micro-batches per step (gradient accumulation), clipped at global norm 1.
// Gradients are compared through the interface too: after the first AdamW step,
// exp_avg = (1 − β1) · clip · (mean gradient), so equal moments mean equal gradients.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchFromPackedRows, type TokenBatch } from '@cptflow/model';
import { onnxEngine, type Engine } from '@cptflow/training';
import { goldenSetup } from './testing/golden';
import { torchPythonOrSkip } from './testing/python';
import { TORCH_ATTENTIONS } from './settings';
import { torchEngine } from './torch-engine';

const { fx, config, lr, options } = goldenSetup({ decay: 'matrices' });

/** Step s: the fixture's two rows, each packing three documents whose boundaries move with s. */
function stepBatches(step: number): TokenBatch[] {
  return fx.trainBatches.input_ids[step].map((tokens, row) => batchFromPackedRows([{ tokens, documentStarts: [0, 2 + ((step + row) % 5), 9 + (step % 4)] }]));
}

function relativeL2(actual: Float32Array, expected: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return Math.sqrt(diff / norm);
}

test('torch engine = ONNX engine: 30-step loss curve within 1e-4, gradients within 1e-4 relative (document masks, 2 micro-batches; SDPA and flex attention)', { timeout: 180_000 }, async (t) => {
  if (!torchPythonOrSkip(t)) return;
  const start = (factory: typeof onnxEngine) => factory(config, options, { step: 0, params: Object.fromEntries(fx.params()) });
  const engines: Engine[] = [];
  try {
    const onnx = await start(onnxEngine);
    engines.push(onnx);
    // Both worker groups start at once (starting Python is most of their time).
    const torches = await Promise.all(
      TORCH_ATTENTIONS.map(async (attention) => {
        const torch = await start(torchEngine({ nprocPerNode: 1, threadsPerRank: 1, attention }));
        engines.push(torch); // closed in finally even when the other one fails to start
        return torch;
      }),
    );
    const ordered = [onnx, ...torches];
    for (let step = 0; step < 30; step++) {
      const [a, ...results] = await Promise.all(ordered.map((e) => e.step(stepBatches(step), lr)));
      for (const [i, attention] of TORCH_ATTENTIONS.entries()) {
        const b = results[i];
        assert.equal(b.tokens, a.tokens, `step ${step}: loss tokens`);
        assert.ok(Math.abs(b.loss - a.loss) <= 1e-4, `step ${step}: torch (${attention}) loss ${b.loss} vs ONNX ${a.loss}`);
        assert.ok(Math.abs(b.gradNorm - a.gradNorm) <= 1e-4 * a.gradNorm, `step ${step}: torch (${attention}) grad norm ${b.gradNorm} vs ONNX ${a.gradNorm}`);
      }
      if (step === 0) {
        const [sa, ...snapshots] = await Promise.all(ordered.map((e) => e.snapshot()));
        for (const [i, attention] of TORCH_ATTENTIONS.entries()) {
          const sb = snapshots[i];
          assert.equal(sb.step, 1);
          for (const [name, expected] of Object.entries(sa.expAvg!)) {
            const error = relativeL2(sb.expAvg![name], expected);
            assert.ok(error <= 1e-4, `torch (${attention}) ${name}: gradient differs by ${error} (relative L2)`);
          }
        }
      }
    }
    const [fa, ...finals] = await Promise.all(ordered.map((e) => e.snapshot()));
    for (const [i, attention] of TORCH_ATTENTIONS.entries()) {
      for (const [name, expected] of Object.entries(fa.params)) {
        const error = relativeL2(finals[i].params[name], expected);
        assert.ok(error <= 1e-4, `torch (${attention}) ${name}: parameters after 30 steps differ by ${error} (relative L2)`);
      }
    }
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
});
