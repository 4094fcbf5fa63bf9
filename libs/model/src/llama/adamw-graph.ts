// The optimizer as small graphs of their own, run once per optimizer step (not per micro-batch) and
// one parameter shard at a time, so the update never holds more than one shard's temporaries and
// the trainer can keep shards wherever it likes (memory, disk). Tensors are named by position
// (`param.0`, `grad.0`, ...): every decoder layer has the same shapes, so one session updates all of them.
//
// Per parameter, as torch.optim.AdamW does it, with g = grad · grad_coef
// (grad_coef = clip / tokens in the step, clip = min(1, max_norm / (‖mean grad‖ + 1e-6))):
//   p ← p · (1 − lr·wd)                      (decoupled decay; only for decayed parameters)
//   m ← β1·m + (1−β1)·g ;  v ← β2·v + (1−β2)·g²
//   p ← p − step_size · m / (sqrt(v) / sqrt(1−β2^t) + ε),  step_size = lr / (1−β1^t)
import { add, div, GraphBuilder, mul, reciprocal, reduceSum, sqrt, sub, Tensor } from '@cptflow/onnx';

export interface AdamWHyperparameters {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface ShardParameter {
  shape: readonly number[];
  decay: boolean;
}

export const shardTensorName = (kind: 'param' | 'grad' | 'exp_avg' | 'exp_avg_sq', position: number) => `${kind}.${position}`;
export const updatedName = (tensor: string) => `${tensor}.next`;

/** Scalar inputs the host computes each step from the schedule, the step number and the clip. */
export const ADAMW_SCALARS = ['lr', 'step_size', 'bias_correction2_sqrt', 'grad_coef'] as const;

/** Σ grad² over a shard (output `sum_squares`), for the global gradient norm. */
export function buildGradSquareSumGraph(shard: ShardParameter[]): GraphBuilder {
  const g = new GraphBuilder('grad_square_sum');
  const sums = shard.map((p, i) => {
    const grad = g.input(shardTensorName('grad', i), 'float32', p.shape);
    return reduceSum(mul(grad, grad));
  });
  g.output(sums.reduce((acc, s) => add(acc, s)), 'sum_squares');
  return g;
}

export function buildAdamWGraph(shard: ShardParameter[], h: AdamWHyperparameters): GraphBuilder {
  const g = new GraphBuilder('adamw_update');
  const s = Object.fromEntries(ADAMW_SCALARS.map((n) => [n, g.input(n, 'float32', [])])) as Record<(typeof ADAMW_SCALARS)[number], Tensor>;
  // Scalars folded first so each full-size tensor sees as few elementwise passes as possible (the
  // update is memory-bound).
  const momentCoef = mul(s.grad_coef, 1 - h.beta1);
  const varianceCoef = mul(mul(s.grad_coef, s.grad_coef), 1 - h.beta2);
  const inverseBiasCorrection2 = reciprocal(mul(s.bias_correction2_sqrt, s.bias_correction2_sqrt));
  const decayFactor = sub(1, mul(s.lr, h.weightDecay));

  shard.forEach((p, i) => {
    const param = g.input(shardTensorName('param', i), 'float32', p.shape);
    const grad = g.input(shardTensorName('grad', i), 'float32', p.shape);
    const m0 = g.input(shardTensorName('exp_avg', i), 'float32', p.shape);
    const v0 = g.input(shardTensorName('exp_avg_sq', i), 'float32', p.shape);
    const m = add(mul(m0, h.beta1), mul(grad, momentCoef));
    const v = add(mul(v0, h.beta2), mul(mul(grad, grad), varianceCoef));
    const decayed = p.decay && h.weightDecay !== 0 ? mul(param, decayFactor) : param;
    // sqrt(v) / sqrt(1−β2^t) computed as sqrt(v / (1−β2^t)).
    const denom = add(sqrt(mul(v, inverseBiasCorrection2)), h.eps);
    g.output(sub(decayed, mul(div(m, denom), s.step_size)), updatedName(shardTensorName('param', i)));
    g.output(m, updatedName(shardTensorName('exp_avg', i)));
    g.output(v, updatedName(shardTensorName('exp_avg_sq', i)));
  });
  return g;
}
