import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grad } from './autodiff';
import { GraphBuilder } from './graph';
import { decodeModelProto } from './onnx-proto';
import * as op from './ops';
import { createSession, ortTensor } from './runtime';
import { randomArray } from './testing/gradient-check';
import { seededUniform } from '@cptflow/pycompat';

/** Two residual "blocks" y = x + tanh-ish(x·W) with symbolic batch, in segments. */
function buildTwoBlocks(recomputeSegments: boolean) {
  const g = new GraphBuilder();
  const x = g.input('x', 'float64', ['batch', 4]);
  const w1 = g.input('w1', 'float64', [4, 4]);
  const w2 = g.input('w2', 'float64', [4, 4]);
  let h = x;
  for (const [i, w] of [w1, w2].entries()) {
    h = g.segment(`block${i}`, () => op.add(h, op.silu(op.matmul(h, w))));
  }
  const loss = op.reduceSum(op.mul(h, h));
  const [d1, d2, dx] = grad(loss, [w1, w2, x], { recomputeSegments });
  g.output(loss, 'loss');
  g.output(d1, 'd_w1');
  g.output(d2, 'd_w2');
  g.output(dx, 'd_x');
  return g;
}

test('recomputing segments in the backward pass gives the same gradients as keeping activations', async () => {
  const rand = seededUniform(3);
  const feeds = {
    x: ortTensor('float64', randomArray('float64', 12, rand), [3, 4]),
    w1: ortTensor('float64', randomArray('float64', 16, rand), [4, 4]),
    w2: ortTensor('float64', randomArray('float64', 16, rand), [4, 4]),
  };
  const outputs = [];
  for (const recompute of [false, true]) {
    const g = buildTwoBlocks(recompute);
    // 'basic' includes common-subexpression elimination, the pass that could merge the recomputed
    // nodes away; 'extended' would fuse x·sigmoid(x) into QuickGelu, which has no float64 kernel.
    const session = await createSession(g.toBytes(), { optimization: 'basic' });
    outputs.push({ nodes: g.nodes.length, result: await session.run(feeds) });
  }
  const [kept, recomputed] = outputs;
  assert.ok(recomputed.nodes > kept.nodes, 'checkpointing re-emits forward nodes');
  for (const name of ['loss', 'd_w1', 'd_w2', 'd_x']) {
    const a = Array.from(kept.result[name].data as Float64Array);
    const b = Array.from(recomputed.result[name].data as Float64Array);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 1e-12 * (1 + Math.abs(v)), `${name}[${i}]: ${v} vs ${b[i]}`));
  }
});

test('a parameter the loss does not depend on gets a zero gradient of its shape', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', [2]);
  const unused = g.input('unused', 'float32', [3]);
  const [dUnused] = grad(op.reduceSum(op.mul(x, x)), [unused]);
  g.output(dUnused, 'd_unused');
  const session = await createSession(g.toBytes());
  const out = await session.run({ x: ortTensor('float32', new Float32Array([1, 2]), [2]), unused: ortTensor('float32', new Float32Array(3), [3]) });
  assert.deepEqual(Array.from(out.d_unused.data as Float32Array), [0, 0, 0]);
});

test('the emitted ModelProto declares opset 18, symbolic dims and typed inputs', () => {
  const model = decodeModelProto(buildTwoBlocks(false).toBytes());
  assert.equal(Number(model.opsetImport[0].version), 18);
  const x = model.graph.input.find((i) => i.name === 'x')!;
  assert.equal(x.type.tensorType.elemType, 11);
  assert.deepEqual(x.type.tensorType.shape.dim.map((d) => ('dimParam' in d && d.dimParam ? d.dimParam : Number((d as { dimValue: number }).dimValue))), ['batch', 4]);
  assert.deepEqual(model.graph.output.map((o) => o.name), ['loss', 'd_w1', 'd_w2', 'd_x']);
});

test('with recomputation, no backward node reads an activation from inside a forward segment', () => {
  for (const recompute of [false, true]) {
    const g = buildTwoBlocks(recompute);
    const live = new Set(g.liveNodes());
    const forwardCount = g.nodes.findIndex((n) => n.opType === 'Mul' && !n.segment) + 2; // ... + Mul + ReduceSum = the loss
    const forward = g.nodes.slice(0, forwardCount);
    const producedIn = new Map<string, string | undefined>();
    forward.forEach((n) => n.outputs.forEach((o) => producedIn.set(o.name, n.segment)));
    // Checkpoints: segment outputs that a forward node outside the segment reads.
    const checkpoints = new Set(
      forward.flatMap((n) => n.inputs.filter((t) => t && producedIn.get(t.name) && producedIn.get(t.name) !== n.segment).map((t) => t!.name)),
    );
    const leaks = g.nodes
      .slice(forwardCount)
      .filter((n) => live.has(n))
      .flatMap((n) => n.inputs.filter((t) => t && producedIn.get(t.name) !== undefined && !checkpoints.has(t.name)).map((t) => t!.name));
    if (recompute) assert.deepEqual(leaks, [], 'backward must use recomputed copies');
    else assert.ok(leaks.length > 0, 'without recomputation the backward reads saved activations');
  }
});

test('dead nodes (unused gradient branches) are not written to the model', () => {
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', [3]);
  const [dx] = grad(op.reduceSum(op.add(x, 1)), [x]); // Add's rule also builds the (unused) constant's gradient
  g.output(dx, 'dx');
  const emitted = decodeModelProto(g.toBytes()).graph.node.length;
  assert.ok(emitted < g.nodes.length, `${emitted} emitted of ${g.nodes.length} recorded`);
  assert.equal(emitted, g.liveNodes().length);
});
