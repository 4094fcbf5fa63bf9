// Continued pre-training on the stream the local pipeline produced: one ContinuousTrainer run on the
// given bus, stopped when its token budget is spent or the domain stream is drained, with the loss
// curve kept for the report.
import type { TopicsConfig, Bus } from '@cptflow/platform';
import type { DocumentTokenizer } from '@cptflow/data';
import { type Schedule, ContinuousTrainer, type ModelStart, type TrainerStatus } from '@cptflow/training';

export interface LocalTrainingOptions {
  run: string;
  bus: Bus;
  topics: TopicsConfig;
  model: ModelStart;
  tokenizer: DocumentTokenizer;
  seqLen: number;
  batchRows: number;
  tokensPerStep: number;
  schedule: Schedule;
  /** Share of rows drawn from the replay topic (general text); 0 or undefined for none. */
  replayFraction?: number;
  checkpointDir: string;
  checkpointEveryTokens: number;
  /** Stop once this many tokens (domain + replay) are trained; the stream's end stops it sooner. */
  maxTokens: number;
  /** How long the stream must stay drained before the run counts as finished. */
  idleMs?: number;
  log?: (line: string) => void;
}

export interface LocalTrainingResult {
  status: TrainerStatus;
  /** [tokens seen, training loss] after every optimizer step. */
  lossCurve: Array<[number, number]>;
  seconds: number;
}

export async function trainLocally(o: LocalTrainingOptions): Promise<LocalTrainingResult> {
  const started = Date.now();
  const trainer = new ContinuousTrainer({
    run: o.run,
    bus: o.bus,
    topics: { sequences: o.topics.seqsPacked, checkpoints: o.topics.checkpoints, deadLetterPrefix: o.topics.deadLetterPrefix, metrics: o.topics.trainingMetrics },
    model: o.model,
    tokenizer: { path: o.tokenizer.tokenizerPath, id: o.tokenizer.tokenizerId },
    batchRows: o.batchRows,
    seqLen: o.seqLen,
    tokensPerStep: o.tokensPerStep,
    adamw: { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 },
    maxGradNorm: 1,
    schedule: o.schedule,
    replay: o.replayFraction ? { fraction: o.replayFraction, source: { kind: 'topic', topic: o.topics.seqsReplay } } : undefined,
    checkpoint: {
      dir: o.checkpointDir,
      everyTokens: o.checkpointEveryTokens,
      keepLast: 1000,
      maxShardBytes: 16 << 20,
      memoryBudgetBytes: 512 << 20,
    },
    log: o.log,
  });
  const lossCurve: Array<[number, number]> = [];
  await trainer.start();
  let lastStep = -1;
  let idleSince: number | null = null;
  try {
    for (;;) {
      const s = trainer.status;
      if (s.phase === 'failed') throw new Error(`training run ${o.run} failed: ${s.error}`);
      if (s.step !== lastStep && s.loss !== null) {
        lastStep = s.step;
        lossCurve.push([s.tokensSeen, s.loss]);
      }
      if (s.tokensSeen >= o.maxTokens) break;
      // Waiting for data means no domain rows are left for a step (buffered replay rows alone never make one).
      const drained = s.phase === 'waiting-for-data';
      if (!drained) idleSince = null;
      else if (idleSince === null) idleSince = Date.now();
      else if (Date.now() - idleSince >= (o.idleMs ?? 1500)) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    await trainer.stop(); // checkpoints what the last checkpoint did not cover
  }
  const s = trainer.status;
  if (s.step !== lastStep && s.loss !== null) lossCurve.push([s.tokensSeen, s.loss]);
  return { status: { ...s }, lossCurve, seconds: (Date.now() - started) / 1000 };
}
