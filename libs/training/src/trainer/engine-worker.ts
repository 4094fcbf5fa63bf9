// The worker-thread side of TrainingEngine: owns the LlamaTrainer (its ONNX Runtime sessions,
// parameters and AdamW moments). onnxruntime-node's run() executes on the calling thread, so a
// multi-second step here would otherwise freeze the service thread's Kafka heartbeats and HTTP.
import { serveRequests } from '@cptflow/onnx';
import { parentPort } from 'node:worker_threads';
import { LlamaTrainer } from '@cptflow/model';
import type { EngineRequestWithId, EngineState, EngineStepResult } from './engine-protocol';

if (!parentPort) throw new Error('libs/training/src/trainer/engine-worker.js must run in a worker thread');
const port = parentPort;
let trainer: LlamaTrainer | null = null;

function requireTrainer(): LlamaTrainer {
  if (!trainer) throw new Error('training engine: init was not called');
  return trainer;
}

async function handle(request: EngineRequestWithId): Promise<{ result: unknown; transfer: ArrayBuffer[] }> {
  switch (request.kind) {
    case 'init': {
      const { architecture, options, state } = request;
      const created = await LlamaTrainer.create(architecture, new Map(Object.entries(state.params)), options);
      created.step = state.step;
      for (const [name, data] of Object.entries(state.expAvg ?? {})) created.exp_avg.set(name, data);
      for (const [name, data] of Object.entries(state.expAvgSq ?? {})) created.exp_avg_sq.set(name, data);
      trainer = created;
      return { result: null, transfer: [] };
    }
    case 'step': {
      const started = performance.now();
      const out = await requireTrainer().trainStep(request.microBatches, request.lr);
      const result: EngineStepResult = { ...out, computeMs: performance.now() - started };
      return { result, transfer: [] };
    }
    case 'snapshot': {
      // Copies: the engine keeps training on its own arrays after the snapshot is taken.
      const t = requireTrainer();
      const copy = (m: Map<string, Float32Array>) => Object.fromEntries([...m].map(([k, v]) => [k, v.slice()]));
      const state: EngineState = { step: t.step, params: copy(t.params), expAvg: copy(t.exp_avg), expAvgSq: copy(t.exp_avg_sq) };
      const transfer = [state.params, state.expAvg!, state.expAvgSq!].flatMap((r) => Object.values(r).map((a) => a.buffer as ArrayBuffer));
      return { result: state, transfer };
    }
    case 'close': {
      await trainer?.release();
      trainer = null;
      return { result: null, transfer: [] };
    }
  }
}

serveRequests(port, handle);
