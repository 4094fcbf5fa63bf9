// Thin wrapper over onnxruntime-node: sessions from our graphs, with the options that matter for
// training (graph optimization level, threads, arena) in one typed place.
import * as ort from 'onnxruntime-node';
import { AnyTypedArray, DType } from './dtype';
import { defaultExecutionProviders } from './execution-providers';

export interface SessionOptions {
  /** 'disabled' for gradient checks (fusions change numerics), 'all' for speed. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpThreads?: number;
  /**
   * ORT's CPU arena (default on): a training step allocates the same large activations (the logits alone
   * are batch x seq x vocab floats) every run, and reusing them instead of freeing and re-faulting them
   * made a step ~27% faster here. The arena grows in powers of two and never shrinks, so memory
   * measurements turn it off to report the step's own peak.
   */
  cpuMemArena?: boolean;
  /** ORT graph transformers to skip by name (session config `optimization.disable_specified_optimizers`). */
  disabledOptimizers?: string[];
  /** Defaults to defaultExecutionProviders() (CPU unless CPTFLOW_ORT_EXECUTION_PROVIDERS says otherwise). */
  executionProviders?: string[];
}

export async function createSession(model: Uint8Array, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.optimization ?? 'all',
    enableCpuMemArena: options.cpuMemArena ?? true,
    executionMode: 'sequential',
    executionProviders: options.executionProviders ?? defaultExecutionProviders(),
  };
  if (options.intraOpThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpThreads;
  if (options.disabledOptimizers?.length) {
    sessionOptions.extra = { optimization: { disable_specified_optimizers: options.disabledOptimizers.join(';') } };
  }
  return ort.InferenceSession.create(model, sessionOptions);
}

const ORT_TYPE: Record<DType, ort.Tensor.Type> = {
  float32: 'float32',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
};

export function ortTensor(dtype: DType, data: AnyTypedArray, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor(ORT_TYPE[dtype], data as never, dims);
}

export type Feeds = Record<string, ort.Tensor>;
export type Fetches = Record<string, ort.Tensor>;

export async function run(session: ort.InferenceSession, feeds: Feeds): Promise<Fetches> {
  return (await session.run(feeds)) as Fetches;
}
