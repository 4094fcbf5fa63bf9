// Worker-thread side of TrainerWorkerClient: owns the LlamaTrainer and its ONNX Runtime sessions.
import { parentPort } from 'node:worker_threads';
import { LlamaTrainer } from './trainer';
import type { WorkerReply, WorkerRequest } from './trainer-worker';

let trainer: LlamaTrainer | undefined;

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.kind) {
    case 'init':
      trainer = await LlamaTrainer.create(req.architecture, new Map(req.params), req.options);
      return null;
    case 'step':
      if (!trainer) throw new Error('trainer not initialised');
      return trainer.trainStep(req.microBatches, req.lr);
    case 'state':
      if (!trainer) throw new Error('trainer not initialised');
      return { step: trainer.step, params: trainer.params, exp_avg: trainer.exp_avg, exp_avg_sq: trainer.exp_avg_sq };
    case 'close':
      await trainer?.release();
      trainer = undefined;
      return null;
  }
}

parentPort!.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (value) => parentPort!.postMessage({ id: req.id, ok: true, value } satisfies WorkerReply),
    (err: Error) => parentPort!.postMessage({ id: req.id, ok: false, error: err.stack ?? String(err) } satisfies WorkerReply),
  );
});
