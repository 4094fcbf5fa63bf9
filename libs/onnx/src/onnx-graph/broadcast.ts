// The one place broadcasting is undone: a gradient computed at the broadcast (output) shape is
// summed over the axes that broadcasting stretched, then the leading axes it added are dropped.
import { Tensor } from './graph';
import { Shape, sameShape } from './shape';

/** Axes of `fromShape` that broadcasting created or stretched relative to `toShape`. */
export function broadcastReductionAxes(fromShape: Shape, toShape: Shape): { summed: number[]; leading: number[] } {
  const offset = fromShape.length - toShape.length;
  if (offset < 0) throw new Error(`cannot unbroadcast [${fromShape}] to larger rank [${toShape}]`);
  const leading = Array.from({ length: offset }, (_, i) => i);
  const summed = [...leading];
  for (let i = 0; i < toShape.length; i++) {
    const target = toShape[i];
    const actual = fromShape[i + offset];
    if (target === 1 && actual !== 1) summed.push(i + offset);
  }
  return { summed, leading };
}

/** Reduces a gradient `dy` (broadcast shape) to the shape of the operand it flows into. */
export function unbroadcast(dy: Tensor, toShape: Shape): Tensor {
  if (sameShape(dy.shape, toShape)) return dy;
  const g = dy.graph;
  const { summed, leading } = broadcastReductionAxes(dy.shape, toShape);
  let out = dy;
  if (summed.length > 0) {
    const keptShape = dy.shape.map((d, i) => (summed.includes(i) ? 1 : d));
    [out] = g.node('ReduceSum', [out, g.int64s(summed)], {
      attrs: { keepdims: { kind: 'int', value: 1 } },
      outputs: [{ dtype: dy.dtype, shape: keptShape }],
    });
  }
  if (leading.length > 0) {
    [out] = g.node('Squeeze', [out, g.int64s(leading)], { outputs: [{ dtype: dy.dtype, shape: out.shape.slice(leading.length) }] });
  }
  if (!sameShape(out.shape, toShape)) {
    // Only symbolic-vs-static dims can differ here (e.g. "seq" vs 8); the values agree at run time.
    return new Tensor(g, out.name, out.dtype, [...toShape]);
  }
  return out;
}
