// Every op's gradient rule against central finite differences, in float64 through ONNX Runtime
// (graph optimizations off). Ops whose CPU kernel lacks double are checked in float32 with looser
// tolerances (noted per case).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkGradients, CheckInput, randomArray } from '../testing/gradient-check';
import { seededUniform } from '@cptflow/pycompat';
import { Tensor } from '../graph';
import { registerGradient } from '../gradient-registry';
import * as op from './index';

const rand = seededUniform(7);
const f64 = (dims: number[], scale = 1): CheckInput => ({ dtype: 'float64', dims, data: randomArray('float64', dims.reduce((a, b) => a * b, 1), rand, scale) });
const positive = (dims: number[]): CheckInput => {
  const x = f64(dims);
  (x.data as Float64Array).forEach((v, i, a) => (a[i] = 0.5 + Math.abs(v)));
  return x;
};
const int64 = (dims: number[], values: number[]): CheckInput => ({ dtype: 'int64', dims, data: BigInt64Array.from(values.map(BigInt)), differentiable: false });
const bool = (dims: number[], values: number[]): CheckInput => ({ dtype: 'bool', dims, data: Uint8Array.from(values), differentiable: false });

async function expectGradientsMatch(name: string, inputs: Record<string, CheckInput>, build: (x: Record<string, Tensor>) => Tensor) {
  const { worst, checked } = await checkGradients(inputs, build, { dtype: 'float64' });
  assert.ok(checked > 0, `${name}: nothing checked`);
  assert.ok(worst.error <= 1, `${name}: ${worst.input}[${worst.index}] analytic ${worst.analytic} vs numeric ${worst.numeric}`);
}

const cases: Array<[string, Record<string, CheckInput>, (x: Record<string, Tensor>) => Tensor]> = [
  ['Add with broadcasting', { a: f64([2, 3, 4]), b: f64([3, 1]) }, ({ a, b }) => op.add(a, b)],
  ['Sub with broadcasting', { a: f64([4]), b: f64([2, 3, 4]) }, ({ a, b }) => op.sub(a, b)],
  ['Mul with broadcasting', { a: f64([2, 3, 4]), b: f64([1, 3, 1]) }, ({ a, b }) => op.mul(a, b)],
  ['Div with broadcasting', { a: f64([2, 3]), b: positive([3]) }, ({ a, b }) => op.div(a, b)],
  ['Pow by a constant', { x: positive([2, 5]) }, ({ x }) => op.pow(x, 3)],
  ['Pow by 2', { x: f64([7]) }, ({ x }) => op.pow(x, 2)],
  ['Neg', { x: f64([3, 2]) }, ({ x }) => op.neg(x)],
  ['Sqrt', { x: positive([3, 2]) }, ({ x }) => op.sqrt(x)],
  ['Reciprocal', { x: positive([6]) }, ({ x }) => op.reciprocal(x)],
  ['Exp', { x: f64([6]) }, ({ x }) => op.exp(x)],
  ['Log', { x: positive([6]) }, ({ x }) => op.log(x)],
  ['Sigmoid', { x: f64([2, 4], 3) }, ({ x }) => op.sigmoid(x)],
  ['SiLU (composed)', { x: f64([2, 4], 3) }, ({ x }) => op.silu(x)],
  ['Sin', { x: f64([5], 3) }, ({ x }) => op.sin(x)],
  ['Cos', { x: f64([5], 3) }, ({ x }) => op.cos(x)],
  ['MatMul 2-D', { a: f64([3, 4]), b: f64([4, 5]) }, ({ a, b }) => op.matmul(a, b)],
  ['MatMul batched x shared weight', { a: f64([2, 3, 4]), b: f64([4, 5]) }, ({ a, b }) => op.matmul(a, b)],
  ['MatMul broadcast batch (GQA layout)', { a: f64([2, 3, 2, 4]), b: f64([2, 1, 4, 3]) }, ({ a, b }) => op.matmul(a, b)],
  ['ReduceSum keepdims', { x: f64([2, 3, 4]) }, ({ x }) => op.reduceSum(x, [1], true)],
  ['ReduceSum all', { x: f64([2, 3]) }, ({ x }) => op.reduceSum(x)],
  ['ReduceMean last axis', { x: f64([2, 3, 4]) }, ({ x }) => op.reduceMean(x, [-1])],
  ['Reshape', { x: f64([2, 6]) }, ({ x }) => op.reshape(x, [3, -1])],
  ['Transpose', { x: f64([2, 3, 4]) }, ({ x }) => op.transpose(x, [2, 0, 1])],
  ['Unsqueeze', { x: f64([2, 3]) }, ({ x }) => op.unsqueeze(x, [0, -1])],
  ['Squeeze', { x: f64([2, 1, 3]) }, ({ x }) => op.squeeze(x, [1])],
  ['Expand', { x: f64([3, 1]) }, ({ x }) => op.expandTo(x, [2, 3, 4])],
  ['Concat', { a: f64([2, 3]), b: f64([2, 2]) }, ({ a, b }) => op.concat([a, b], 1)],
  ['Split (one piece unused)', { x: f64([2, 5]) }, ({ x }) => op.split(x, [2, 3], 1)[1]],
  ['Split (pieces recombined)', { x: f64([2, 4]) }, ({ x }) => { const [l, r] = op.split(x, [2, 2], -1); return op.concat([op.neg(r), l], -1); }],
  ['Slice', { x: f64([3, 5]) }, ({ x }) => op.slice(x, [1], [1], [4])],
  ['Gather rows (repeated ids)', { w: f64([5, 3]), ids: int64([2, 3], [0, 4, 4, 1, 0, 0]) }, ({ w, ids }) => op.gather(w, ids, 0)],
  ['GatherElements', { x: f64([3, 4]), idx: int64([3, 2], [0, 3, 2, 2, 1, 0]) }, ({ x, idx }) => op.gatherElements(x, idx, 1)],
  ['Softmax', { x: f64([2, 5], 2) }, ({ x }) => op.softmax(x, -1)],
  ['LogSoftmax', { x: f64([2, 5], 2) }, ({ x }) => op.logSoftmax(x, -1)],
  ['Where with broadcasting', { c: bool([2, 3], [1, 0, 1, 0, 0, 1]), a: f64([2, 3]), b: f64([3]) }, ({ c, a, b }) => op.where(c, a, b)],
];

for (const [name, inputs, build] of cases) {
  test(`gradient of ${name} matches finite differences (float64)`, () => expectGradientsMatch(name, inputs, build));
}

test('gradient of Cast float64 -> float32 -> float64 matches finite differences (float32 precision inside, looser tolerance)', async () => {
  const { worst } = await checkGradients(
    { x: f64([4]) },
    ({ x }) => op.cast(op.mul(op.cast(x, 'float32'), op.cast(x, 'float32')), 'float64'),
    { dtype: 'float64', step: 1e-3, relTol: 1e-3, absTol: 1e-4 },
  );
  assert.ok(worst.error <= 1, `analytic ${worst.analytic} vs numeric ${worst.numeric}`);
});

test('the checker reports a deliberately wrong gradient rule', async () => {
  // Softsign(x) = x / (1 + |x|) has derivative 1 / (1 + |x|)^2; this rule claims 1.
  registerGradient('Softsign', ({ dys: [dy] }) => [dy]);
  const { worst } = await checkGradients({ x: f64([4], 2) }, ({ x }) => x.graph.node('Softsign', [x])[0], { dtype: 'float64' });
  assert.ok(worst.error > 1, 'a wrong rule must be reported');
});
