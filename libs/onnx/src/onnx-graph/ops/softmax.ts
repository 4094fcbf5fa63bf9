// Softmax and LogSoftmax along one axis. With y = softmax(x): dx = y ⊙ (dy − Σ dy⊙y);
// with y = logsoftmax(x): dx = dy − softmax(x) ⊙ Σ dy.
import { attr, Tensor } from '../graph';
import { registerGradient } from '../gradient-registry';
import { mul, sub } from './elementwise';
import { reduceSum } from './reduce';
import { exp } from './unary';

export function softmax(x: Tensor, axis = -1): Tensor {
  return x.graph.node('Softmax', [x], { attrs: { axis: attr.int(axis) } })[0];
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return x.graph.node('LogSoftmax', [x], { attrs: { axis: attr.int(axis) } })[0];
}

registerGradient('Softmax', ({ node, dys: [dy] }) => {
  const y = node.outputs[0];
  const axis = (node.attrs.axis as { value: number }).value;
  return [mul(y, sub(dy!, reduceSum(mul(dy!, y), [axis], true)))];
});

registerGradient('LogSoftmax', ({ node, dys: [dy] }) => {
  const y = node.outputs[0];
  const axis = (node.attrs.axis as { value: number }).value;
  return [sub(dy!, mul(exp(y), reduceSum(dy!, [axis], true)))];
});
