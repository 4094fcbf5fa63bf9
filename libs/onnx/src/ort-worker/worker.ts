// The worker-thread side: owns the InferenceSessions and executes requests one at a time. ORT's
// run() occupies this thread for the whole step, which is the point: the service thread stays free
// for Kafka heartbeats, HTTP health checks and telemetry.
import { serveRequests } from './serve-requests';
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { defaultExecutionProviders } from '../onnx-graph/execution-providers';
import { RunResult, SessionInfo, TensorPayload, transferableBuffers, WorkerRequest, WorkerSessionOptions } from './protocol';

if (!parentPort) throw new Error('libs/onnx/src/ort-worker/worker.js must run in a worker thread');
const port = parentPort;

const sessions = new Map<number, ort.InferenceSession>();
let nextSessionId = 1;

function sessionOptions(options: WorkerSessionOptions): ort.InferenceSession.SessionOptions {
  const chosen: ort.InferenceSession.SessionOptions = {
    executionProviders: [...(options.executionProviders ?? defaultExecutionProviders())],
    intraOpNumThreads: options.intraOpNumThreads,
    interOpNumThreads: options.interOpNumThreads,
    graphOptimizationLevel: options.graphOptimizationLevel,
    enableCpuMemArena: options.enableCpuMemArena,
    enableMemPattern: options.enableMemPattern,
    executionMode: options.executionMode,
    logSeverityLevel: options.logSeverityLevel,
  };
  // onnxruntime-node rejects keys that are present but undefined; leave unset ones to its defaults.
  for (const key of Object.keys(chosen) as Array<keyof typeof chosen>) if (chosen[key] === undefined) delete chosen[key];
  return chosen;
}

function session(id: number): ort.InferenceSession {
  const s = sessions.get(id);
  if (!s) throw new Error(`no session ${id} (released or never created)`);
  return s;
}

async function handle(request: WorkerRequest): Promise<{ result: SessionInfo | RunResult | null; transfer: ArrayBuffer[] }> {
  switch (request.kind) {
    case 'create': {
      const created = await ort.InferenceSession.create(request.model, sessionOptions(request.options));
      const sessionId = nextSessionId++;
      sessions.set(sessionId, created);
      const inputTypes: Record<string, string> = {};
      for (const m of created.inputMetadata) if (m.isTensor) inputTypes[m.name] = m.type;
      return { result: { sessionId, inputNames: created.inputNames, outputNames: created.outputNames, inputTypes }, transfer: [] };
    }
    case 'run': {
      const s = session(request.sessionId);
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(request.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, [...t.dims]);
      const started = performance.now();
      const raw = request.fetches ? await s.run(feeds, [...request.fetches]) : await s.run(feeds);
      const runMs = performance.now() - started;
      const outputs: Record<string, TensorPayload> = {};
      for (const [name, tensor] of Object.entries(raw)) {
        outputs[name] = { type: tensor.type as TensorPayload['type'], dims: [...tensor.dims], data: tensor.data as TensorPayload['data'] };
      }
      return { result: { outputs, runMs }, transfer: transferableBuffers(Object.values(outputs)) };
    }
    case 'release': {
      await session(request.sessionId).release();
      sessions.delete(request.sessionId);
      return { result: null, transfer: [] };
    }
  }
}

serveRequests(port, handle);
