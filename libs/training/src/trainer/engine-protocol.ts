// Messages between the trainer (service thread) and its training engine (a worker thread that owns
// a libs/model/src/llama LlamaTrainer). Only micro-batches and scalars cross per step; the full state crosses
// only at start, restore and checkpoint time.
import type { LlamaArchitecture, TokenBatch, TrainerOptions, LlamaConfig } from '@cptflow/model';

/**
 * What ContinuousTrainer needs from a training engine, whichever runs the math: the ONNX Runtime
 * worker thread (TrainingEngine, the default) or the PyTorch worker group (libs/torch-engine).
 */
export interface Engine {
  /** One optimizer step: forward + backward per micro-batch, one clipped AdamW update. */
  step(microBatches: TokenBatch[], lr: number): Promise<EngineStepResult>;
  /** A copy of parameters, moments and AdamW's step counter, under HF tensor names. */
  snapshot(): Promise<Required<EngineState>>;
  close(): Promise<void>;
}

/** Starts an engine on a model (its HF config), the step's options and a starting state. */
export type EngineFactory = (config: LlamaConfig, options: TrainerOptions, state: EngineState) => Promise<Engine>;

export interface EngineState {
  /** AdamW's t: optimizer steps applied. */
  step: number;
  params: Record<string, Float32Array>;
  /** Absent at a fresh start (moments start at zero). */
  expAvg?: Record<string, Float32Array>;
  expAvgSq?: Record<string, Float32Array>;
}

export type EngineRequest =
  | { kind: 'init'; architecture: LlamaArchitecture; options: TrainerOptions; state: EngineState }
  | { kind: 'step'; microBatches: TokenBatch[]; lr: number }
  | { kind: 'snapshot' }
  | { kind: 'close' };

export type EngineRequestWithId = EngineRequest & { id: number };

export interface EngineStepResult {
  loss: number;
  gradNorm: number;
  /** Tokens that carried a loss. */
  tokens: number;
  /** Milliseconds the step took inside the worker. */
  computeMs: number;
}

export type EngineResponse = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: { name: string; message: string } };
