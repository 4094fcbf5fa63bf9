// TrainingEngine: the LlamaTrainer, running in a worker thread (engine-worker.ts). The service
// thread sends micro-batches and a learning rate per step and stays free for Kafka heartbeats,
// HTTP and telemetry while ONNX Runtime computes.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LlamaArchitecture, TokenBatch, TrainerOptions } from '../../llama/src';
import type { Engine, EngineFactory, EngineRequest, EngineResponse, EngineState, EngineStepResult } from './engine-protocol';

export class TrainingEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingEngineError';
  }
}

export class TrainingEngine implements Engine {
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failed: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (response: EngineResponse) => {
      const waiter = this.pending.get(response.id);
      if (!waiter) return;
      this.pending.delete(response.id);
      if (response.ok) waiter.resolve(response.result);
      else waiter.reject(new TrainingEngineError(`${response.error.name}: ${response.error.message}`));
    });
    const failAll = (err: Error) => {
      this.failed = err;
      for (const w of this.pending.values()) w.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => failAll(new TrainingEngineError(`training engine crashed: ${err.message}`)));
    worker.on('exit', (code) => failAll(new TrainingEngineError(`training engine exited (code ${code})`)));
  }

  /** Starts the worker and builds the trainer there. The state's arrays are moved, not copied. */
  static async start(architecture: LlamaArchitecture, options: TrainerOptions, state: EngineState): Promise<TrainingEngine> {
    const engine = new TrainingEngine(new Worker(join(__dirname, 'engine-worker.js')));
    await engine.request({ kind: 'init', architecture, options, state }, buffersOf(state));
    return engine;
  }

  step(microBatches: TokenBatch[], lr: number): Promise<EngineStepResult> {
    return this.request({ kind: 'step', microBatches, lr }) as Promise<EngineStepResult>;
  }

  /** A copy of parameters, moments and AdamW's step counter. */
  snapshot(): Promise<Required<EngineState>> {
    return this.request({ kind: 'snapshot' }) as Promise<Required<EngineState>>;
  }

  async close(): Promise<void> {
    if (!this.failed) await this.request({ kind: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private request(body: EngineRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }
}

/** The default engine: ONNX Runtime in a worker thread, no Python needed. */
export const onnxEngine: EngineFactory = (config, options, state) => TrainingEngine.start(config, options, state);

function buffersOf(state: EngineState): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const group of [state.params, state.expAvg ?? {}, state.expAvgSq ?? {}]) {
    for (const a of Object.values(group)) if (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) seen.add(a.buffer as ArrayBuffer);
  }
  return [...seen];
}
