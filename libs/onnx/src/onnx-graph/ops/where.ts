// Where(cond, a, b): the gradient goes to whichever branch was selected, then is unbroadcast.
import { unbroadcast } from '../broadcast';
import { Tensor } from '../graph';
import { registerGradient } from '../gradient-registry';
import { broadcastShapes } from '../shape';
import { graphOf, lift, Operand } from './operand';

export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  const like = graphOf(a, b);
  const ta = lift(a, like);
  const tb = lift(b, like);
  const shape = broadcastShapes(cond.shape, broadcastShapes(ta.shape, tb.shape));
  return cond.graph.node('Where', [cond, ta, tb], { outputs: [{ dtype: ta.dtype, shape }] })[0];
}

registerGradient('Where', ({ node, dys: [dy], needs }) => {
  const [cond, a, b] = node.inputs as Tensor[];
  return [
    undefined,
    needs[1] ? unbroadcast(where(cond, dy!, 0), a.shape) : undefined,
    needs[2] ? unbroadcast(where(cond, 0, dy!), b.shape) : undefined,
  ];
});
