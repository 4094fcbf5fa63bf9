// The service-thread side of serve-requests.ts's protocol: numbers each request, turns the answer
// with the same id into a settled promise, and once the worker crashes or exits rejects whatever
// is pending and every later request with that reason. OrtWorker and libs/training/src/trainer's
// TrainingEngine each talk to their worker through one of these.
import type { Worker } from 'node:worker_threads';
import type { WorkerAnswer } from './serve-requests';

/** How a client names the failures of its worker (each client has its own error class). */
export interface WorkerFailures {
  /** The handler threw: its error's name and message, as the worker sent them. */
  answered(error: { name: string; message: string }): Error;
  crashed(error: Error): Error;
  exited(code: number): Error;
}

export class WorkerRequestClient<Request extends object> {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private stopped: Error | null = null;

  constructor(
    readonly worker: Worker,
    failures: WorkerFailures,
  ) {
    worker.on('message', (answer: WorkerAnswer) => {
      const waiter = this.pending.get(answer.id);
      if (!waiter) return;
      this.pending.delete(answer.id);
      if (answer.ok) waiter.resolve(answer.result);
      else waiter.reject(failures.answered(answer.error));
    });
    worker.on('error', (err) => this.failAll(failures.crashed(err)));
    worker.on('exit', (code) => this.failAll(failures.exited(code)));
  }

  /** Why the worker can take no more requests, or null while it can. */
  get failure(): Error | null {
    return this.stopped;
  }

  request(body: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...body, id }, transfer);
    });
  }

  private failAll(err: Error): void {
    this.stopped = err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}
