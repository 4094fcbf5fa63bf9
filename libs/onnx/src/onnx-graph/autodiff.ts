// Reverse-mode autodiff over the recorded node list: walk the forward nodes backwards from the
// loss, ask each op's registered rule for its inputs' gradients, and sum gradients that meet.
// Every backward node is appended to the same graph, so one ONNX model runs forward and backward.
import { GraphNode, Tensor } from './graph';
import { gradientRule } from './gradient-registry';
import { isFloat } from './dtype';
import { add } from './ops/elementwise';
import { cast } from './ops/unary';
import { fillLike } from './ops/shape-ops';
import { staticSize } from './shape';

export interface GradOptions {
  /**
   * Gradient checkpointing: instead of keeping the activations of each `graph.segment(...)` alive
   * until the backward pass, recompute the segment's forward nodes inside the backward graph, right
   * before its gradients are needed.
   */
  recomputeSegments?: boolean;
}

/** Appends the backward pass of `loss` (a scalar) and returns d loss / d w for each w in `wrt`. */
export function grad(loss: Tensor, wrt: Tensor[], options: GradOptions = {}): Tensor[] {
  const g = loss.graph;
  const forward = g.nodes.slice();
  const dependsOnWrt = forwardReachable(forward, wrt);
  const feedsLoss = backwardReachable(forward, loss);

  const grads = new Map<string, Tensor>();
  const wrtNames = new Set(wrt.map((w) => w.name));
  // Parameter gradients produced since the last segment was recomputed (see SegmentRecompute).
  const freshParamGrads = new Set<string>();
  const accumulate = (t: Tensor, dt: Tensor) => {
    const prev = grads.get(t.name);
    grads.set(t.name, prev ? add(prev, dt) : dt);
    if (wrtNames.has(t.name)) freshParamGrads.add(t.name);
  };
  accumulate(loss, staticSize(loss.shape) === 1 ? g.constant(loss.dtype, loss.shape as number[], [1], 'seed') : fillLike(loss, 1));

  const recompute = new SegmentRecompute(forward);
  for (let i = forward.length - 1; i >= 0; i--) {
    const original = forward[i];
    if (!original.outputs.some((o) => feedsLoss.has(o.name))) continue;
    const dys = original.outputs.map((o) => grads.get(o.name));
    if (dys.every((d) => d === undefined)) continue;
    const needs = original.inputs.map((t) => t !== undefined && isFloat(t.dtype) && dependsOnWrt.has(t.name));
    if (!needs.some(Boolean)) continue;

    let node = original;
    if (options.recomputeSegments && original.segment) {
      const anchors = () => {
        const list = [dys.find((d) => d)!, ...[...freshParamGrads].map((name) => grads.get(name)!)];
        freshParamGrads.clear();
        return list;
      };
      node = recompute.recomputed(i, anchors);
    }
    const inputGrads = gradientRule(node.opType)({ node, dys, needs });
    original.inputs.forEach((t, k) => {
      const dt = inputGrads[k];
      if (t && needs[k] && dt) accumulate(t, dt);
    });
  }
  return wrt.map((w) => grads.get(w.name) ?? fillLike(w, 0));
}

function forwardReachable(nodes: GraphNode[], from: Tensor[]): Set<string> {
  const reached = new Set(from.map((t) => t.name));
  for (const n of nodes) {
    if (n.inputs.some((t) => t && reached.has(t.name))) for (const o of n.outputs) reached.add(o.name);
  }
  return reached;
}

function backwardReachable(nodes: GraphNode[], to: Tensor): Set<string> {
  const reached = new Set([to.name]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i];
    if (n.outputs.some((o) => reached.has(o.name))) for (const t of n.inputs) if (t) reached.add(t.name);
  }
  return reached;
}

/**
 * Re-emits a segment's forward nodes the first time the backward pass reaches the segment.
 * The copies read the segment's incoming activations through `x + 0·(dy[0] + Σ dW[0])`: a data
 * dependency on the upstream gradient and on every parameter gradient finished since the previous
 * recomputation. So, whatever topological order ONNX Runtime picks, it can neither run the copies
 * during the forward pass, nor merge them with the originals (common-subexpression elimination),
 * nor postpone the later segment's weight-gradient MatMuls past this recomputation — each of which
 * would keep a segment's activations alive and undo the memory saving. (ORT's default order is a
 * reverse DFS from the graph's leaf nodes; once it removes the output Identity nodes the leaves are
 * the weight-gradient nodes themselves, and without this dependency it ran them all at the end.)
 */
class SegmentRecompute {
  private readonly copies = new Map<number, GraphNode>();
  private readonly producer = new Map<string, number>();

  constructor(private readonly forward: GraphNode[]) {
    forward.forEach((n, i) => n.outputs.forEach((o) => this.producer.set(o.name, i)));
  }

  recomputed(index: number, anchors: () => Tensor[]): GraphNode {
    const existing = this.copies.get(index);
    if (existing) return existing;
    const segment = this.forward[index].segment!;
    const members = this.forward.map((n, i) => [n, i] as const).filter(([n]) => n.segment === segment);
    const inside = new Set(members.flatMap(([n]) => n.outputs.map((o) => o.name)));
    const zero = zeroDependingOn(anchors());
    const g = zero.graph;
    const replaced = new Map<string, Tensor>();
    for (const [n] of members) {
      for (const t of n.inputs) {
        if (!t || inside.has(t.name) || replaced.has(t.name) || !this.producer.has(t.name) || !isFloat(t.dtype)) continue;
        replaced.set(t.name, add(t, cast(zero, t.dtype)));
      }
    }
    for (const [n, i] of members) {
      const inputs = n.inputs.map((t) => (t ? (replaced.get(t.name) ?? t) : undefined));
      const outputs = g.node(n.opType, inputs, { attrs: { ...n.attrs }, outputs: n.outputs.map((o) => ({ dtype: o.dtype, shape: o.shape })) });
      n.outputs.forEach((o, k) => replaced.set(o.name, outputs[k]));
      this.copies.set(i, { opType: n.opType, inputs, outputs, attrs: n.attrs });
    }
    return this.copies.get(index)!;
  }
}

/** A scalar 0 that ONNX Runtime can only compute once every tensor in `ts` exists. */
function zeroDependingOn(ts: Tensor[]): Tensor {
  const g = ts[0].graph;
  const dtype = ts[0].dtype;
  const firsts = ts.map((t) => {
    const [flat] = g.node('Reshape', [t, g.int64s([-1])], { outputs: [{ dtype: t.dtype, shape: ['numel'] }] });
    const [first] = g.node('Slice', [flat, g.int64s([0]), g.int64s([1]), g.int64s([0])], { outputs: [{ dtype: t.dtype, shape: [1] }] });
    return cast(first, dtype);
  });
  const total = firsts.reduce((acc, x) => add(acc, x));
  const [scaled] = g.node('Mul', [total, g.scalar(0, dtype)], { outputs: [{ dtype, shape: [1] }] });
  return g.node('ReduceSum', [scaled], { attrs: { keepdims: { kind: 'int', value: 0 } }, outputs: [{ dtype, shape: [] }] })[0];
}
