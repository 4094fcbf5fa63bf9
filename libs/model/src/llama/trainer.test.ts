// The training step end to end: 30 AdamW steps against torch's loss curve, clipping, and gradient
// accumulation equivalence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parameterShapes } from './architecture';
import { batchFromLabels } from './batch';
import { decayPredicate, LlamaTrainer, TrainerOptions } from './trainer';
import { readF32Safetensors, tinyLlama, TINY_LLAMA_DIR, worstMismatch } from './testing/fixtures';
import { join } from 'node:path';

const fx = tinyLlama();
const { lr, betas, eps, weight_decay } = fx.meta.adamw;
const options = (extra: Partial<TrainerOptions> = {}): TrainerOptions => ({
  batch: 2,
  seq: 16,
  documentMask: false,
  recomputeLayers: false,
  adamw: { beta1: betas[0], beta2: betas[1], eps, weightDecay: weight_decay },
  decay: 'matrices',
  session: { optimization: 'all' },
  ...extra,
});

test('the decay policy picks the same parameters as the torch run', () => {
  const shapes = parameterShapes(fx.architecture);
  const decayed = shapes.filter((p) => p.shape.length >= 2).map((p) => p.name);
  assert.deepEqual(decayed.sort(), [...fx.meta.adamw.decay_params].sort());
});

// transformers' Trainer (get_decay_parameter_names, 5.x) leaves out parameters whose names match
// these patterns (and nn.LayerNorm modules, which LLaMA has none of).
const TRANSFORMERS_NO_DECAY = [/bias/, /layernorm/, /rmsnorm/, /(?:^|\.)norm(?:$|\.)/, /_norm(?:$|\.)/];

test("decay 'matrices' leaves out exactly the parameters transformers' Trainer leaves out; 'all' decays every one", () => {
  const shapes = parameterShapes(fx.architecture);
  const trainerDecays = (name: string) => !TRANSFORMERS_NO_DECAY.some((p) => p.test(name));
  const matrices = decayPredicate('matrices');
  for (const p of shapes) assert.equal(matrices(p.name, p.shape), trainerDecays(p.name), p.name);
  assert.ok(shapes.some((p) => !trainerDecays(p.name)), 'the model has norm weights to leave out');
  const all = decayPredicate('all');
  assert.ok(shapes.every((p) => all(p.name, p.shape)));
});

test("one AdamW step under decay 'all' differs from 'matrices' by exactly lr x wd x p on the norm weights, nowhere else", async () => {
  const ids = fx.trainBatches.input_ids[0];
  const weightDecay = 0.1;
  const adamw = { beta1: betas[0], beta2: betas[1], eps, weightDecay };
  const stepped = async (decay: 'matrices' | 'all') => {
    const trainer = await LlamaTrainer.create(fx.architecture, fx.params(), options({ decay, adamw }));
    await trainer.trainStep([batchFromLabels(ids)], lr);
    await trainer.release();
    return trainer.params;
  };
  const [matrices, all] = [await stepped('matrices'), await stepped('all')];
  const initial = fx.params();
  for (const p of parameterShapes(fx.architecture)) {
    const [a, b, p0] = [matrices.get(p.name)!, all.get(p.name)!, initial.get(p.name)!];
    if (p.shape.length >= 2) {
      assert.deepEqual(b, a, `${p.name} is decayed under both policies`);
      continue;
    }
    // p_all = p0 (1 - lr wd) - update and p_matrices = p0 - update.
    for (let i = 0; i < a.length; i++) {
      assert.ok(Math.abs(a[i]! - b[i]! - lr * weightDecay * p0[i]!) <= 1e-6, `${p.name}[${i}]: ${a[i]} - ${b[i]} vs ${lr * weightDecay * p0[i]!}`);
    }
  }
});

for (const [label, curve, maxGradNorm] of [
  ['no clipping', fx.meta.train_curve, undefined],
  ['clipping at global norm 1', fx.meta.train_curve_clipped, fx.meta.train_curve_clipped.clip.max_norm],
] as const) {
  test(`30 AdamW steps track torch's loss curve within 1e-3 (${label})`, async () => {
    const trainer = await LlamaTrainer.create(fx.architecture, fx.params(), options({ maxGradNorm, recomputeLayers: maxGradNorm !== undefined }));
    for (let step = 0; step < 30; step++) {
      const ids = fx.trainBatches.input_ids[step];
      const result = await trainer.trainStep([batchFromLabels(ids)], lr);
      assert.ok(Math.abs(result.loss - curve.losses[step]) <= 1e-3, `step ${step}: loss ${result.loss} vs torch ${curve.losses[step]}`);
      assert.ok(Math.abs(result.gradNorm - curve.grad_norms[step]) <= 1e-3 * curve.grad_norms[step], `step ${step}: grad norm ${result.gradNorm} vs ${curve.grad_norms[step]}`);
    }
    if (maxGradNorm === undefined) {
      // The parameters themselves after 30 steps (loosely: float32 drift accumulates over steps).
      const final = readF32Safetensors(join(TINY_LLAMA_DIR, 'final_params.safetensors'));
      for (const [name, expected] of final) {
        const worst = worstMismatch(trainer.params.get(name)!, expected.data, 1e-3, 1e-4);
        assert.ok(worst.ratio <= 1, `${name}[${worst.index}]: ${worst.actual} vs ${worst.expected}`);
      }
    }
    await trainer.release();
  });
}

test('two micro-batches of one row step exactly like one batch of two rows', async () => {
  const rows = fx.batch.input_ids;
  const labels = fx.batch.labels; // uneven ignored labels: rows carry 14 and 12 loss tokens
  const whole = await LlamaTrainer.create(fx.architecture, fx.params(), options());
  const split = await LlamaTrainer.create(fx.architecture, fx.params(), options({ batch: 1 }));
  const a = await whole.trainStep([batchFromLabels(rows, labels)], lr);
  const b = await split.trainStep([batchFromLabels([rows[0]], [labels[0]]), batchFromLabels([rows[1]], [labels[1]])], lr);
  assert.equal(a.tokens, b.tokens);
  assert.ok(Math.abs(a.loss - b.loss) <= 1e-6 * a.loss, `loss ${a.loss} vs ${b.loss}`);
  assert.ok(Math.abs(a.gradNorm - b.gradNorm) <= 1e-5 * a.gradNorm, `grad norm ${a.gradNorm} vs ${b.gradNorm}`);
  for (const [name, p] of whole.params) {
    const worst = worstMismatch(split.params.get(name)!, p, 1e-5, 1e-7);
    assert.ok(worst.ratio <= 1, `${name}[${worst.index}]: ${worst.actual} vs ${worst.expected}`);
  }
  await Promise.all([whole.release(), split.release()]);
});
