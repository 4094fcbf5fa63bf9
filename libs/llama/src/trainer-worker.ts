// Runs a LlamaTrainer in a worker thread. ONNX Runtime's session.run() executes on the calling
// thread and blocks it for the whole step, so a service that must keep answering Kafka heartbeats
// and health checks talks to the trainer through this client instead of calling it directly.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LlamaArchitecture } from './architecture';
import type { TokenBatch } from './batch';
import type { StepResult, TrainerOptions } from './trainer';

export type WorkerRequest =
  | { id: number; kind: 'init'; architecture: LlamaArchitecture; options: Omit<TrainerOptions, 'decay'> & { decay?: 'matrices' | 'matrices-except-embeddings' }; params: Array<[string, Float32Array]> }
  | { id: number; kind: 'step'; microBatches: TokenBatch[]; lr: number }
  | { id: number; kind: 'state' }
  | { id: number; kind: 'close' };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export interface TrainerState {
  step: number;
  params: Map<string, Float32Array>;
  exp_avg: Map<string, Float32Array>;
  exp_avg_sq: Map<string, Float32Array>;
}

export class TrainerWorkerClient {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(new Error(reply.error));
    });
    worker.on('error', (err) => {
      for (const w of this.pending.values()) w.reject(err);
      this.pending.clear();
    });
  }

  /** Starts the worker; the parameter buffers are transferred to it (unusable here afterwards). */
  static async start(architecture: LlamaArchitecture, params: Map<string, Float32Array>, options: WorkerRequest & { kind: 'init' } extends { options: infer O } ? O : never): Promise<TrainerWorkerClient> {
    const client = new TrainerWorkerClient(new Worker(join(__dirname, 'trainer-worker.entry.js')));
    const entries = [...params];
    await client.request({ kind: 'init', architecture, options, params: entries }, entries.map(([, a]) => a.buffer as ArrayBuffer));
    return client;
  }

  trainStep(microBatches: TokenBatch[], lr: number): Promise<StepResult> {
    return this.request({ kind: 'step', microBatches, lr }) as Promise<StepResult>;
  }

  /** A copy of parameters and moments (for checkpoints). */
  state(): Promise<TrainerState> {
    return this.request({ kind: 'state' }) as Promise<TrainerState>;
  }

  async close(): Promise<void> {
    await this.request({ kind: 'close' });
    await this.worker.terminate();
  }

  private request(body: Record<string, unknown> & { kind: WorkerRequest['kind'] }, transfer: ArrayBuffer[] = []): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }
}
