// The worker-thread side of a request/response protocol: requests are handled strictly one at a time,
// in arrival order (one ONNX Runtime run at a time per worker), and every answer carries the request's
// id, its result or the error, with result buffers transferred rather than copied.
import type { MessagePort } from 'node:worker_threads';

export interface HandledRequest {
  result: unknown;
  transfer: ArrayBuffer[];
}

export type WorkerAnswer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { name: string; message: string } };

export function serveRequests<R extends { id: number }>(port: MessagePort, handle: (request: R) => Promise<HandledRequest>): void {
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: R) => {
    queue = queue.then(async () => {
      let answer: WorkerAnswer;
      let transfer: ArrayBuffer[] = [];
      try {
        const done = await handle(request);
        answer = { id: request.id, ok: true, result: done.result };
        transfer = done.transfer;
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        answer = { id: request.id, ok: false, error: { name: e.name, message: e.message } };
      }
      port.postMessage(answer, transfer);
    });
  });
}
