// The service-thread side: starts the worker and turns the message protocol into promises.
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RunResult, SessionInfo, TensorPayload, transferableBuffers, WorkerRequest, WorkerSessionOptions } from './protocol';
import { WorkerRequestClient } from './request-client';

export class OrtWorkerError extends Error {
  constructor(message: string, readonly workerErrorName?: string) {
    super(message);
    this.name = 'OrtWorkerError';
  }
}

type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface RunOptions {
  /**
   * Move the feeds' buffers to the worker instead of copying them. The caller's arrays are detached
   * (length 0) afterwards; arrays that view part of a larger buffer are always copied.
   */
  readonly transfer?: boolean;
  /** Output names to compute (default: all). */
  readonly fetches?: readonly string[];
}

export class OrtWorker {
  private readonly client: WorkerRequestClient<RequestBody>;

  private constructor(private readonly worker: Worker) {
    this.client = new WorkerRequestClient(worker, {
      answered: (error) => new OrtWorkerError(error.message, error.name),
      crashed: (err) => new OrtWorkerError(`ORT worker crashed: ${err.message}`),
      exited: (code) => new OrtWorkerError(`ORT worker exited (code ${code})`),
    });
  }

  /** Start a worker thread (one per concurrent session user; each runs one request at a time). */
  static start(): OrtWorker {
    return new OrtWorker(new Worker(join(__dirname, 'worker.js')));
  }

  async createSession(model: Uint8Array, options: WorkerSessionOptions = {}): Promise<OrtWorkerSession> {
    // The model bytes are copied: callers usually keep the ModelProto (e.g. to save it).
    const info = (await this.request({ kind: 'create', model, options })) as SessionInfo;
    return new OrtWorkerSession(this, info);
  }

  /** Stop the worker thread; pending requests are rejected. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  /** @internal */
  request(body: RequestBody, transfer: ArrayBuffer[] = []): Promise<unknown> {
    return this.client.request(body, transfer);
  }
}

export class OrtWorkerSession {
  constructor(
    private readonly owner: OrtWorker,
    private readonly info: SessionInfo,
  ) {}

  get inputNames(): readonly string[] {
    return this.info.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.info.outputNames;
  }

  /** Element type of each tensor input, by name (from the session's metadata). */
  get inputTypes(): Readonly<Record<string, string>> {
    return this.info.inputTypes ?? {};
  }

  async run(feeds: Record<string, TensorPayload>, options: RunOptions = {}): Promise<RunResult> {
    const transfer = options.transfer ? transferableBuffers(Object.values(feeds)) : [];
    return (await this.owner.request({ kind: 'run', sessionId: this.info.sessionId, feeds, fetches: options.fetches }, transfer)) as RunResult;
  }

  async release(): Promise<void> {
    await this.owner.request({ kind: 'release', sessionId: this.info.sessionId });
  }
}
