// The optimizer update as its own small graph, separate from forward+backward: it runs once per
// optimizer step (not per micro-batch), and parameters, moments and gradients stay plain graph
// inputs/outputs so the trainer can shard or offload them. Per parameter (torch.optim.AdamW):
//   g ← grad · grad_scale · clip            (grad_scale = 1 / tokens in the step)
//   p ← p · (1 − lr·wd)                      (decoupled decay; only for decayed parameters)
//   m ← β1·m + (1−β1)·g ;  v ← β2·v + (1−β2)·g²
//   p ← p − step_size · m / (sqrt(v) / sqrt(1−β2^t) + ε),  step_size = lr / (1−β1^t)
// clip = min(1, max_grad_norm / (‖g‖ + 1e−6)) with ‖g‖ the global L2 norm over the graph's parameters
// (torch.nn.utils.clip_grad_norm_); max_grad_norm = +∞ disables clipping.
import { add, div, GraphBuilder, min, mul, reciprocal, reduceSum, sqrt, sub, Tensor } from '../../onnx-graph/src';
import { ParameterShape } from './architecture';
import { gradName } from './train-graph';

export interface AdamWHyperparameters {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const momentName = (param: string) => `exp_avg.${param}`;
export const varianceName = (param: string) => `exp_avg_sq.${param}`;
export const updatedName = (tensor: string) => `${tensor}.next`;

/** Scalar inputs the host computes each step from the schedule and the step number. */
export const ADAMW_SCALARS = ['lr', 'step_size', 'bias_correction2_sqrt', 'grad_scale', 'max_grad_norm'] as const;

export function buildAdamWGraph(params: Array<ParameterShape & { decay: boolean }>, h: AdamWHyperparameters): GraphBuilder {
  const g = new GraphBuilder('adamw_update');
  const s = Object.fromEntries(ADAMW_SCALARS.map((n) => [n, g.input(n, 'float32', [])])) as Record<(typeof ADAMW_SCALARS)[number], Tensor>;
  const state = params.map((p) => ({
    ...p,
    param: g.input(p.name, 'float32', p.shape),
    grad: g.input(gradName(p.name), 'float32', p.shape),
    m: g.input(momentName(p.name), 'float32', p.shape),
    v: g.input(varianceName(p.name), 'float32', p.shape),
  }));

  // Scalars are folded first so each full-size tensor sees as few elementwise passes as possible
  // (the update is memory-bound: 125M parameters × 4 tensors per pass).
  const squares = state.map((p) => mul(p.grad, p.grad));
  const sumSquares = squares.map((sq) => reduceSum(sq)).reduce((acc, x) => add(acc, x));
  const gradNorm = mul(sqrt(sumSquares), s.grad_scale);
  const clip = min(div(s.max_grad_norm, add(gradNorm, 1e-6)), 1);
  const coef = mul(s.grad_scale, clip); // g = grad · coef
  const momentCoef = mul(coef, 1 - h.beta1);
  const varianceCoef = mul(mul(coef, coef), 1 - h.beta2);
  const inverseBiasCorrection2 = reciprocal(mul(s.bias_correction2_sqrt, s.bias_correction2_sqrt));
  const decayFactor = sub(1, mul(s.lr, h.weightDecay));

  state.forEach((p, i) => {
    const m = add(mul(p.m, h.beta1), mul(p.grad, momentCoef));
    const v = add(mul(p.v, h.beta2), mul(squares[i], varianceCoef));
    const decayed = p.decay && h.weightDecay !== 0 ? mul(p.param, decayFactor) : p.param;
    // sqrt(v) / sqrt(1−β2^t) computed as sqrt(v / (1−β2^t)).
    const denom = add(sqrt(mul(v, inverseBiasCorrection2)), h.eps);
    const next = sub(decayed, mul(div(m, denom), s.step_size));
    g.output(next, updatedName(p.name));
    g.output(m, updatedName(momentName(p.name)));
    g.output(v, updatedName(varianceName(p.name)));
  });
  g.output(gradNorm, 'grad_norm');
  return g;
}
