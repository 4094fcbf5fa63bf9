// What the trainer reports about itself: the status endpoint, metrics and progress lines read this.
export type TrainerPhase = 'starting' | 'training' | 'waiting-for-data' | 'checkpointing' | 'stopping' | 'stopped' | 'failed';

export interface CheckpointSummary {
  step: number;
  tokensSeen: number;
  dir: string;
  hfDir: string;
  createdAt: string;
}

export interface TrainerStatus {
  run: string;
  phase: TrainerPhase;
  /** Optimizer steps applied. */
  step: number;
  /** Tokens trained (rows x seqLen, padding included), domain and replay. */
  tokensSeen: number;
  replayRows: number;
  domainRows: number;
  loss: number | null;
  lr: number | null;
  gradNorm: number | null;
  tokensPerSecond: number | null;
  /** Of the last step: wall-clock seconds (assembly + engine), and seconds inside the engine's trainStep. */
  stepSeconds: number | null;
  engineSeconds: number | null;
  /** WSD with an open stable phase: the step where decay began, null until requested. */
  decayStartStep: number | null;
  /** Records received from the bus that no step has taken yet (a lower bound on the lag). */
  bufferedRecords: number;
  deadLetters: number;
  lastCheckpoint: CheckpointSummary | null;
  resumedFrom: string | null;
  error: string | null;
}
