// Finite-difference check of autodiff: builds f, projects its output onto a fixed random direction
// r (so the loss L = Σ f(x)⊙r is a scalar exercising every output element), asks autodiff for
// dL/dx, and compares each checked entry with the central difference (L(x+h) − L(x−h)) / 2h,
// all evaluated by ONNX Runtime with graph optimizations off.
import { grad } from '../autodiff';
import { DType } from '../dtype';
import { GraphBuilder, Tensor } from '../graph';
import { mul, reduceSum } from '../ops';
import { createSession, ortTensor } from '../runtime';
import { staticSize } from '../shape';
import { seededUniform } from '@cptflow/pycompat';

export interface CheckInput {
  dtype: DType;
  dims: number[];
  data: Float64Array | Float32Array | BigInt64Array | Uint8Array;
  /** Differentiate with respect to this input (float inputs only). */
  differentiable?: boolean;
}

export interface GradCheckOptions {
  dtype: 'float32' | 'float64';
  /** Step h of the central difference. */
  step?: number;
  relTol?: number;
  absTol?: number;
  /** Check at most this many entries per input (spread evenly); all when omitted. */
  maxEntries?: number;
  seed?: number;
  /** Passed to grad(): check the gradient-checkpointing path. */
  recomputeSegments?: boolean;
}

export interface GradCheckResult {
  worst: { input: string; index: number; analytic: number; numeric: number; error: number };
  checked: number;
}

/** `n` numbers uniform in (-scale, scale) from `rand` (uniform in [0, 1), e.g. libs/pycompat/src/random's `seededUniform`). */
export function randomArray(dtype: 'float32' | 'float64', n: number, rand: () => number, scale = 1): Float32Array | Float64Array {
  const a = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = (rand() * 2 - 1) * scale;
  return a;
}

export async function checkGradients(
  inputs: Record<string, CheckInput>,
  build: (xs: Record<string, Tensor>) => Tensor,
  options: GradCheckOptions,
): Promise<GradCheckResult> {
  const { dtype } = options;
  const step = options.step ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const relTol = options.relTol ?? (dtype === 'float64' ? 1e-6 : 2e-2);
  const absTol = options.absTol ?? (dtype === 'float64' ? 1e-8 : 2e-3);
  const rand = seededUniform(options.seed ?? 1234);

  const g = new GraphBuilder('gradcheck');
  const xs: Record<string, Tensor> = {};
  for (const [name, spec] of Object.entries(inputs)) xs[name] = g.input(name, spec.dtype, spec.dims);
  const y = build(xs);
  const n = staticSize(y.shape);
  if (n === undefined) throw new Error('checkGradients: the output needs a static shape');
  const direction = g.constant(y.dtype, y.shape as number[], randomArray(dtype, n, rand));
  const loss = reduceSum(mul(y, direction));
  const wrtNames = Object.keys(inputs).filter((k) => inputs[k].differentiable !== false && (inputs[k].dtype === dtype));
  const grads = grad(loss, wrtNames.map((k) => xs[k]), { recomputeSegments: options.recomputeSegments });
  g.output(loss, 'loss');
  grads.forEach((t, i) => g.output(t, `grad_${wrtNames[i]}`));

  const session = await createSession(g.toBytes(), { optimization: 'disabled', intraOpThreads: 1 });
  const feedsWith = (override?: { name: string; index: number; delta: number }) => {
    const feeds: Record<string, ReturnType<typeof ortTensor>> = {};
    for (const [name, spec] of Object.entries(inputs)) {
      let data = spec.data;
      if (override && override.name === name) {
        data = (data as Float64Array).slice();
        (data as Float64Array)[override.index] += override.delta;
      }
      feeds[name] = ortTensor(spec.dtype, data, spec.dims);
    }
    return feeds;
  };
  const lossAt = async (name: string, index: number, delta: number) =>
    Number((await session.run(feedsWith({ name, index, delta }))).loss.data[0]);

  const base = await session.run(feedsWith());
  let worst: GradCheckResult['worst'] = { input: '', index: -1, analytic: 0, numeric: 0, error: -Infinity };
  let checked = 0;
  for (const name of wrtNames) {
    const analytic = base[`grad_${name}`].data as Float64Array;
    const total = inputs[name].data.length;
    const count = Math.min(total, options.maxEntries ?? total);
    for (let k = 0; k < count; k++) {
      const index = Math.floor((k * total) / count);
      const numeric = ((await lossAt(name, index, step)) - (await lossAt(name, index, -step))) / (2 * step);
      const a = Number(analytic[index]);
      // Error measured in units of the tolerance: > 1 fails.
      const error = Math.abs(a - numeric) / (absTol + relTol * Math.abs(numeric));
      if (error > worst.error) worst = { input: name, index, analytic: a, numeric, error };
      checked++;
    }
  }
  await session.release();
  return { worst, checked };
}
