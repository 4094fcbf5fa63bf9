// Elementwise unary ops and their derivatives, written in terms of the op's own output where cheaper.
import { Tensor } from '../graph';
import { DType, isFloat } from '../dtype';
import { registerGradient } from '../gradient-registry';
import { div, mul, neg, sub } from './elementwise';

function unary(opType: string, x: Tensor): Tensor {
  return x.graph.node(opType, [x])[0];
}

export const sqrt = (x: Tensor): Tensor => unary('Sqrt', x);
export const reciprocal = (x: Tensor): Tensor => unary('Reciprocal', x);
export const exp = (x: Tensor): Tensor => unary('Exp', x);
export const log = (x: Tensor): Tensor => unary('Log', x);
export const sigmoid = (x: Tensor): Tensor => unary('Sigmoid', x);
export const sin = (x: Tensor): Tensor => unary('Sin', x);
export const cos = (x: Tensor): Tensor => unary('Cos', x);
export const identity = (x: Tensor): Tensor => unary('Identity', x);
export const not = (x: Tensor): Tensor => unary('Not', x);

export function cast(x: Tensor, to: DType): Tensor {
  if (x.dtype === to) return x;
  const codes: Record<DType, number> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 };
  return x.graph.node('Cast', [x], { attrs: { to: { kind: 'int', value: codes[to] } }, outputs: [{ dtype: to, shape: x.shape }] })[0];
}

/** SiLU(x) = x * sigmoid(x), composed so autodiff derives its gradient from the parts. */
export const silu = (x: Tensor): Tensor => mul(x, sigmoid(x));

registerGradient('Identity', ({ dys: [dy] }) => [dy]);
registerGradient('Sqrt', ({ node, dys: [dy] }) => [div(mul(dy!, 0.5), node.outputs[0])]);
registerGradient('Reciprocal', ({ node, dys: [dy] }) => {
  const y = node.outputs[0];
  return [neg(mul(dy!, mul(y, y)))];
});
registerGradient('Exp', ({ node, dys: [dy] }) => [mul(dy!, node.outputs[0])]);
registerGradient('Log', ({ node, dys: [dy] }) => [div(dy!, node.inputs[0]!)]);
registerGradient('Sigmoid', ({ node, dys: [dy] }) => {
  const y = node.outputs[0];
  return [mul(dy!, mul(y, sub(1, y)))];
});
registerGradient('Sin', ({ node, dys: [dy] }) => [mul(dy!, cos(node.inputs[0]!))]);
registerGradient('Cos', ({ node, dys: [dy] }) => [neg(mul(dy!, sin(node.inputs[0]!)))]);
registerGradient('Cast', ({ node, dys: [dy] }) => {
  const x = node.inputs[0]!;
  return [isFloat(x.dtype) ? cast(dy!, x.dtype) : undefined];
});
