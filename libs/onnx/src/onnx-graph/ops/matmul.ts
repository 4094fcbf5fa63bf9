// Batched matrix product (numpy matmul semantics, rank >= 2 on both sides) and its VJP:
//   dA = dY · Bᵀ,  dB = Aᵀ · dY, each reduced over the batch axes broadcasting added.
import { unbroadcast } from '../broadcast';
import { Tensor } from '../graph';
import { registerGradient } from '../gradient-registry';
import { broadcastShapes } from '../shape';
import { reshape, transpose } from './shape-ops';

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) throw new Error('matmul: both operands need rank >= 2');
  if (a.dtype !== b.dtype) throw new Error(`matmul: dtype mismatch ${a.dtype} vs ${b.dtype}`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const shape = [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]];
  return a.graph.node('MatMul', [a, b], { outputs: [{ dtype: a.dtype, shape }] })[0];
}

/** Swaps the last two axes. */
export function transposeLast2(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return transpose(x, perm);
}

registerGradient('MatMul', ({ node, dys: [dy], needs }) => {
  const [a, b] = node.inputs as Tensor[];
  const da = needs[0] ? unbroadcast(matmul(dy!, transposeLast2(b)), a.shape) : undefined;
  let db: Tensor | undefined;
  if (needs[1]) {
    if (b.rank === 2 && a.rank > 2) {
      // A weight shared across the batch: fold the batch into rows so this is one GEMM, not a
      // batched product followed by a sum.
      const k = a.shape[a.rank - 1];
      const n = dy!.shape[dy!.rank - 1];
      db = matmul(transposeLast2(reshape(a, [-1, k])), reshape(dy!, [-1, n]));
    } else {
      db = unbroadcast(matmul(transposeLast2(a), dy!), b.shape);
    }
  }
  return [da, db];
});
