// ReduceSum / ReduceMean / ReduceMax over constant axes; the VJP of the first two spreads dy back
// over the reduced axes (ReduceMax has none: it only shifts a log-sum-exp, outside any gradient).
import { Tensor } from '../graph';
import { registerGradient } from '../gradient-registry';
import { normalizeAxis, staticSize } from '../shape';
import { div, mul } from './elementwise';
import { expand, shapeOf, unsqueeze } from './shape-ops';
import { cast } from './unary';

function reduce(opType: string, x: Tensor, axes: number[] | undefined, keepdims: boolean): Tensor {
  const all = axes === undefined;
  const norm = all ? x.shape.map((_, i) => i) : axes.map((a) => normalizeAxis(a, x.rank));
  const shape = keepdims ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !norm.includes(i));
  const inputs = all ? [x] : [x, x.graph.int64s(norm)];
  return x.graph.node(opType, inputs, {
    attrs: { keepdims: { kind: 'int', value: keepdims ? 1 : 0 } },
    outputs: [{ dtype: x.dtype, shape }],
  })[0];
}

/** Sum over `axes` (all axes when omitted). */
export const reduceSum = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceSum', x, axes, keepdims);
/** Mean over `axes` (all axes when omitted). */
export const reduceMean = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceMean', x, axes, keepdims);
/** Largest value over `axes` (all axes when omitted). */
export const reduceMax = (x: Tensor, axes?: number[], keepdims = false): Tensor => reduce('ReduceMax', x, axes, keepdims);

function reducedAxes(node: { inputs: readonly (Tensor | undefined)[] }): number[] {
  const x = node.inputs[0]!;
  const axesInput = node.inputs[1];
  return axesInput ? Array.from(axesInput.constValue as BigInt64Array, Number) : x.shape.map((_, i) => i);
}

/** dy at the reduced shape → dy broadcast over the input's shape. */
function spread(dy: Tensor, x: Tensor, axes: number[], keepdims: boolean): Tensor {
  const kept = keepdims ? dy : unsqueeze(dy, axes);
  return expand(kept, shapeOf(x), x.shape);
}

registerGradient('ReduceSum', ({ node, dys: [dy] }) => {
  const x = node.inputs[0]!;
  return [spread(dy!, x, reducedAxes(node), node.attrs.keepdims?.kind === 'int' && node.attrs.keepdims.value === 1), undefined];
});

registerGradient('ReduceMean', ({ node, dys: [dy] }) => {
  const x = node.inputs[0]!;
  const axes = reducedAxes(node);
  const keepdims = node.attrs.keepdims?.kind === 'int' && node.attrs.keepdims.value === 1;
  const count = staticSize(axes.map((a) => x.shape[a]));
  const spreadDy = spread(dy!, x, axes, keepdims);
  if (count !== undefined) return [mul(spreadDy, 1 / count), undefined];
  // Symbolic reduced axes: divide by the element-count ratio measured at run time.
  const ratio = div(cast(reduceProd(shapeOf(x)), x.dtype), cast(reduceProd(shapeOf(node.outputs[0])), x.dtype));
  return [div(spreadDy, ratio), undefined];
});

function reduceProd(x: Tensor): Tensor {
  return x.graph.node('ReduceProd', [x], { attrs: { keepdims: { kind: 'int', value: 0 } }, outputs: [{ dtype: x.dtype, shape: [] }] })[0];
}
