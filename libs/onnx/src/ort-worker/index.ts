export { OrtWorker, OrtWorkerSession, OrtWorkerError, RunOptions } from './client';
export { TensorPayload, TensorType, TensorArray, WorkerSessionOptions, GraphOptimizationLevel, RunResult, SessionInfo, transferableBuffers } from './protocol';
export { WorkerRequestClient, WorkerFailures } from './request-client';
export { serveRequests, HandledRequest, WorkerAnswer } from './serve-requests';
