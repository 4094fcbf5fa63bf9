// TrainingEngine: the LlamaTrainer, running in a worker thread (engine-worker.ts). The service
// thread sends micro-batches and a learning rate per step and stays free for Kafka heartbeats,
// HTTP and telemetry while ONNX Runtime computes.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LlamaArchitecture, TokenBatch, TrainerOptions } from '@cptflow/model';
import { WorkerRequestClient } from '@cptflow/onnx';
import type { Engine, EngineFactory, EngineRequest, EngineState, EngineStepResult } from './engine-protocol';

export class TrainingEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingEngineError';
  }
}

export class TrainingEngine implements Engine {
  private readonly client: WorkerRequestClient<EngineRequest>;

  private constructor(private readonly worker: Worker) {
    this.client = new WorkerRequestClient(worker, {
      answered: (error) => new TrainingEngineError(`${error.name}: ${error.message}`),
      crashed: (err) => new TrainingEngineError(`training engine crashed: ${err.message}`),
      exited: (code) => new TrainingEngineError(`training engine exited (code ${code})`),
    });
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
    if (!this.client.failure) await this.request({ kind: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }

  private request(body: EngineRequest, transfer: ArrayBuffer[] = []): Promise<unknown> {
    return this.client.request(body, transfer);
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
