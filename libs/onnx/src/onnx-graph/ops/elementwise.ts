// Binary elementwise arithmetic with ONNX broadcasting (and negation); gradients reduce back through
// `unbroadcast`.
import { unbroadcast } from '../broadcast';
import { Tensor } from '../graph';
import { registerGradient } from '../gradient-registry';
import { broadcastShapes } from '../shape';
import { graphOf, lift, Operand } from './operand';

function binary(opType: string, a: Operand, b: Operand, outDtype?: Tensor['dtype']): Tensor {
  const like = graphOf(a, b);
  const ta = lift(a, like);
  const tb = lift(b, like);
  if (ta.dtype !== tb.dtype) throw new Error(`${opType}: dtype mismatch ${ta.dtype} vs ${tb.dtype}`);
  const shape = broadcastShapes(ta.shape, tb.shape);
  return like.graph.node(opType, [ta, tb], { outputs: [{ dtype: outDtype ?? ta.dtype, shape }] })[0];
}

export const add = (a: Operand, b: Operand): Tensor => binary('Add', a, b);
export const sub = (a: Operand, b: Operand): Tensor => binary('Sub', a, b);
export const mul = (a: Operand, b: Operand): Tensor => binary('Mul', a, b);
export const div = (a: Operand, b: Operand): Tensor => binary('Div', a, b);
/** x ** exponent for a constant exponent (the only form the model needs, so the rule stays exact). */
export const pow = (x: Tensor, exponent: number): Tensor => binary('Pow', x, exponent);

export const equal = (a: Operand, b: Operand): Tensor => binary('Equal', a, b, 'bool');
export const less = (a: Operand, b: Operand): Tensor => binary('Less', a, b, 'bool');
export const greaterOrEqual = (a: Operand, b: Operand): Tensor => binary('GreaterOrEqual', a, b, 'bool');
export const and = (a: Tensor, b: Tensor): Tensor => binary('And', a, b, 'bool');
export const max = (a: Operand, b: Operand): Tensor => binary('Max', a, b);
export const min = (a: Operand, b: Operand): Tensor => binary('Min', a, b);
/** -x. Here rather than with the unary ops: the gradients of Sub and Div need it, and unary.ts builds on this file. */
export const neg = (x: Tensor): Tensor => x.graph.node('Neg', [x])[0];

registerGradient('Neg', ({ dys: [dy] }) => [neg(dy!)]);

registerGradient('Add', ({ node, dys: [dy] }) => {
  const [a, b] = node.inputs as Tensor[];
  return [unbroadcast(dy!, a.shape), unbroadcast(dy!, b.shape)];
});

registerGradient('Sub', ({ node, dys: [dy], needs }) => {
  const [a, b] = node.inputs as Tensor[];
  return [unbroadcast(dy!, a.shape), needs[1] ? unbroadcast(neg(dy!), b.shape) : undefined];
});

registerGradient('Mul', ({ node, dys: [dy], needs }) => {
  const [a, b] = node.inputs as Tensor[];
  return [needs[0] ? unbroadcast(mul(dy!, b), a.shape) : undefined, needs[1] ? unbroadcast(mul(dy!, a), b.shape) : undefined];
});

registerGradient('Div', ({ node, dys: [dy], needs }) => {
  const [a, b] = node.inputs as Tensor[];
  const y = node.outputs[0];
  const da = needs[0] ? unbroadcast(div(dy!, b), a.shape) : undefined;
  // d(a/b)/db = -a/b^2 = -y/b
  const db = needs[1] ? unbroadcast(neg(div(mul(dy!, y), b)), b.shape) : undefined;
  return [da, db];
});

registerGradient('Pow', ({ node, dys: [dy], needs }) => {
  const [x, e] = node.inputs as Tensor[];
  if (needs[1]) throw new Error('Pow: gradient w.r.t. the exponent is not supported');
  if (!e.constValue || e.constValue.length !== 1) throw new Error('Pow: exponent must be a scalar constant');
  const c = Number(e.constValue[0]);
  const dx = c === 2 ? mul(dy!, mul(x, 2)) : mul(dy!, mul(pow(x, c - 1), c));
  return [dx, undefined];
});

for (const op of ['Max', 'Min']) {
  registerGradient(op, () => {
    throw new Error(`${op}: no gradient (used only on non-differentiable paths)`);
  });
}
