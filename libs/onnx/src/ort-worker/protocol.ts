// Messages between the service thread and the ONNX Runtime worker thread. Tensors travel as
// { type, dims, data } with typed-array data; their ArrayBuffers are moved (transferred) rather
// than copied whenever the sender allows it.

export type TensorType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

export type TensorArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

export interface TensorPayload {
  readonly type: TensorType;
  readonly dims: readonly number[];
  readonly data: TensorArray;
}

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/** The subset of onnxruntime-node's SessionOptions cptflow sets. */
export interface WorkerSessionOptions {
  readonly intraOpNumThreads?: number;
  readonly interOpNumThreads?: number;
  /** Gradient checks run with 'disabled' (fusions change numerics); training with 'all'. */
  readonly graphOptimizationLevel?: GraphOptimizationLevel;
  /** ORT's BFC arena can hold on to peak memory for ever; off returns it to the allocator. */
  readonly enableCpuMemArena?: boolean;
  readonly enableMemPattern?: boolean;
  readonly executionMode?: 'sequential' | 'parallel';
  /** Defaults to ['cpu']; e.g. ['cuda', 'cpu'] where the install has the CUDA provider. */
  readonly executionProviders?: readonly string[];
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

export interface SessionInfo {
  readonly sessionId: number;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Element type of each tensor input as ORT reports it ('int64', 'float32', ...), by name. */
  readonly inputTypes?: Readonly<Record<string, string>>;
}

export type WorkerRequest =
  | { readonly id: number; readonly kind: 'create'; readonly model: Uint8Array; readonly options: WorkerSessionOptions }
  | {
      readonly id: number;
      readonly kind: 'run';
      readonly sessionId: number;
      readonly feeds: Record<string, TensorPayload>;
      readonly fetches?: readonly string[];
    }
  | { readonly id: number; readonly kind: 'release'; readonly sessionId: number };

export interface RunResult {
  readonly outputs: Record<string, TensorPayload>;
  /** Milliseconds spent inside session.run() on the worker. */
  readonly runMs: number;
}

export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly result: SessionInfo | RunResult | null }
  | { readonly id: number; readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

/**
 * The buffers that can move with a message: a typed array owns its buffer outright only when it
 * spans all of it. A view into a larger buffer (a tensor inside a state shard) must be copied, or
 * transferring would detach its neighbours too.
 */
export function transferableBuffers(tensors: Iterable<TensorPayload>): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const t of tensors) {
    const buffer = t.data.buffer;
    if (buffer instanceof ArrayBuffer && t.data.byteOffset === 0 && t.data.byteLength === buffer.byteLength) seen.add(buffer);
  }
  return [...seen];
}
