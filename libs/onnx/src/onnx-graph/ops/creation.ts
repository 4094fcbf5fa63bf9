// Tensors built from shapes and ranges (masks, positions); they carry no gradient.
import { Tensor } from '../graph';
import { Dim } from '../shape';

/** [start, start+1, ..., limit) as a 1-D tensor; `limit` may be a scalar tensor computed at run time. */
export function range(start: Tensor, limit: Tensor, delta: Tensor, length: Dim): Tensor {
  return start.graph.node('Range', [start, limit, delta], { outputs: [{ dtype: start.dtype, shape: [length] }] })[0];
}
