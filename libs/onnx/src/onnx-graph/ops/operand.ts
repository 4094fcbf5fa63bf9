import { Tensor } from '../graph';

export type Operand = Tensor | number;

/** Turns a JS number into a scalar constant of the other operand's dtype. */
export function lift(x: Operand, like: Tensor): Tensor {
  return typeof x === 'number' ? like.graph.scalar(x, like.dtype) : x;
}

export function graphOf(...xs: Operand[]): Tensor {
  const t = xs.find((x): x is Tensor => typeof x !== 'number');
  if (!t) throw new Error('at least one operand must be a tensor');
  return t;
}
