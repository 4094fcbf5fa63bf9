// Ops that move data without arithmetic: reshape, transpose, (un)squeeze, expand, concat, split,
// slice, and the shape-producing helpers the gradient rules use.
import { unbroadcast } from '../broadcast';
import { attr, Tensor } from '../graph';
import { DType } from '../dtype';
import { registerGradient } from '../gradient-registry';
import { broadcastShapes, Dim, normalizeAxis, Shape, staticSize } from '../shape';

/**
 * Reshape to `dims`. A symbolic dim must sit where the input has the same symbol (emitted as 0,
 * "copy this dim"); -1 lets ONNX infer one dim.
 */
export function reshape(x: Tensor, dims: Dim[]): Tensor {
  const spec = dims.map((d, i) => (typeof d === 'number' ? d : x.shape[i] === d ? 0 : NaN));
  if (spec.some(Number.isNaN)) throw new Error(`reshape: symbolic dims of [${dims}] must line up with the input [${x.shape}]`);
  if (spec.filter((d) => d === -1).length > 1) throw new Error('reshape: at most one -1');
  const shape: Dim[] = dims.map((d) => d);
  const inferred = dims.indexOf(-1);
  if (inferred >= 0) {
    const total = staticSize(x.shape);
    const rest = staticSize(dims.filter((_, i) => i !== inferred));
    shape[inferred] = total !== undefined && rest !== undefined ? total / rest : `${x.name}_flat`;
  }
  return x.graph.node('Reshape', [x, x.graph.int64s(spec)], { outputs: [{ dtype: x.dtype, shape }] })[0];
}

/** Reshape to a shape computed at run time (e.g. `shapeOf(other)`); `shape` is its static description. */
export function reshapeTo(x: Tensor, shapeTensor: Tensor, shape: Shape): Tensor {
  return x.graph.node('Reshape', [x, shapeTensor], { outputs: [{ dtype: x.dtype, shape }] })[0];
}

export function transpose(x: Tensor, perm: number[]): Tensor {
  return x.graph.node('Transpose', [x], { attrs: { perm: attr.ints(perm) }, outputs: [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }] })[0];
}

export function unsqueeze(x: Tensor, axes: number[]): Tensor {
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => normalizeAxis(a, rank)).sort((a, b) => a - b);
  const shape: Dim[] = [];
  let src = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[src++]);
  return x.graph.node('Unsqueeze', [x, x.graph.int64s(norm)], { outputs: [{ dtype: x.dtype, shape }] })[0];
}

export function squeeze(x: Tensor, axes: number[]): Tensor {
  const norm = axes.map((a) => normalizeAxis(a, x.rank));
  const shape = x.shape.filter((_, i) => !norm.includes(i));
  return x.graph.node('Squeeze', [x, x.graph.int64s(norm)], { outputs: [{ dtype: x.dtype, shape }] })[0];
}

export function shapeOf(x: Tensor): Tensor {
  return x.graph.node('Shape', [x], { outputs: [{ dtype: 'int64', shape: [x.rank] }] })[0];
}

/** Broadcast `x` to a run-time shape; `shape` is the static description of the result. */
export function expand(x: Tensor, shapeTensor: Tensor, shape: Shape): Tensor {
  return x.graph.node('Expand', [x, shapeTensor], { outputs: [{ dtype: x.dtype, shape: broadcastShapes(x.shape, shape) }] })[0];
}

/** Broadcast `x` to static dims. */
export function expandTo(x: Tensor, dims: number[]): Tensor {
  return expand(x, x.graph.int64s(dims), dims);
}

/** A tensor filled with `value`, shaped like `like` at run time. */
export function fillLike(like: Tensor, value: number, dtype: DType = like.dtype): Tensor {
  return like.graph.node('ConstantOfShape', [shapeOf(like)], {
    attrs: { value: attr.scalarTensor(dtype, value) },
    outputs: [{ dtype, shape: like.shape }],
  })[0];
}

export const zerosLike = (like: Tensor): Tensor => fillLike(like, 0);

export function concat(xs: Tensor[], axis: number): Tensor {
  const a = normalizeAxis(axis, xs[0].rank);
  const along = xs.map((x) => x.shape[a]);
  const total: Dim = along.every((d) => typeof d === 'number') ? (along as number[]).reduce((s, d) => s + d, 0) : along.join('+');
  const shape = xs[0].shape.map((d, i) => (i === a ? total : d));
  return xs[0].graph.node('Concat', xs, { attrs: { axis: attr.int(a) }, outputs: [{ dtype: xs[0].dtype, shape }] })[0];
}

/** Splits along `axis` into pieces of the given (static) sizes. */
export function split(x: Tensor, sizes: number[], axis: number): Tensor[] {
  const a = normalizeAxis(axis, x.rank);
  return x.graph.node('Split', [x, x.graph.int64s(sizes)], {
    attrs: { axis: attr.int(a) },
    outputs: sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? s : d)) })),
  });
}

/** x[start:end] along static axes (step 1). */
export function slice(x: Tensor, axes: number[], starts: number[], ends: number[]): Tensor {
  const norm = axes.map((a) => normalizeAxis(a, x.rank));
  const shape = x.shape.map((d, i) => {
    const k = norm.indexOf(i);
    if (k < 0) return d;
    if (typeof d !== 'number') throw new Error('slice: sliced axes must be static');
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
    return Math.max(clamp(ends[k]) - clamp(starts[k]), 0);
  });
  const g = x.graph;
  return g.node('Slice', [x, g.int64s(starts), g.int64s(ends), g.int64s(norm)], { outputs: [{ dtype: x.dtype, shape }] })[0];
}

function int64Values(t: Tensor | undefined): number[] {
  if (!t?.constValue) throw new Error('expected a constant int64 tensor');
  return Array.from(t.constValue as BigInt64Array, Number);
}

registerGradient('Reshape', ({ node, dys: [dy] }) => {
  const x = node.inputs[0]!;
  return [reshapeTo(dy!, shapeOf(x), x.shape), undefined];
});

registerGradient('Transpose', ({ node, dys: [dy] }) => {
  const perm = (node.attrs.perm as { value: number[] }).value;
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return [transpose(dy!, inverse)];
});

registerGradient('Unsqueeze', ({ node, dys: [dy] }) => [squeeze(dy!, int64Values(node.inputs[1])), undefined]);
registerGradient('Squeeze', ({ node, dys: [dy] }) => [unsqueeze(dy!, int64Values(node.inputs[1])), undefined]);
registerGradient('Expand', ({ node, dys: [dy] }) => [unbroadcast(dy!, node.inputs[0]!.shape), undefined]);

registerGradient('Concat', ({ node, dys: [dy] }) => {
  const axis = (node.attrs.axis as { value: number }).value;
  const sizes = node.inputs.map((x) => x!.shape[axis]);
  if (!sizes.every((s): s is number => typeof s === 'number')) throw new Error('Concat gradient needs static sizes along the axis');
  return split(dy!, sizes, axis);
});

registerGradient('Split', ({ node, dys }) => {
  const axis = (node.attrs.axis as { value: number }).value;
  const pieces = node.outputs.map((out, i) => dys[i] ?? zerosLike(out));
  return [concat(pieces, axis), undefined];
});

registerGradient('Slice', ({ node, dys: [dy] }) => {
  const x = node.inputs[0]!;
  const starts = int64Values(node.inputs[1]);
  const axes = int64Values(node.inputs[3]);
  // Pad the slice's gradient with zeros back to the input's extent.
  const before = x.shape.map(() => 0);
  const after = x.shape.map(() => 0);
  axes.forEach((a, k) => {
    const d = x.shape[a] as number;
    const start = Math.min(Math.max(starts[k] < 0 ? starts[k] + d : starts[k], 0), d);
    before[a] = start;
    after[a] = d - start - (dy!.shape[a] as number);
  });
  const g = dy!.graph;
  const padded = g.node('Pad', [dy!, g.int64s([...before, ...after])], { outputs: [{ dtype: dy!.dtype, shape: x.shape }] })[0];
  return [padded, undefined, undefined, undefined];
});
