export { OrtWorker, OrtWorkerSession, OrtWorkerError, RunOptions } from './client';
export { TensorPayload, TensorType, TensorArray, WorkerSessionOptions, GraphOptimizationLevel, RunResult, SessionInfo, transferableBuffers } from './protocol';
