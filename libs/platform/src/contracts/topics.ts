// Default topic names (each configurable). A dead-letter topic exists per stage: `${prefix}.dlq.${stage}`.
export const DEFAULT_TOPICS = {
  docsRaw: 'cpt.docs.raw',
  docsFiltered: 'cpt.docs.filtered',
  docsRejected: 'cpt.docs.rejected',
  docsUnique: 'cpt.docs.unique',
  docsDuplicate: 'cpt.docs.duplicate',
  seqsPacked: 'cpt.seqs.packed',
  /** Packed sequences of general (replay) text, which the trainer mixes in at a set fraction. */
  seqsReplay: 'cpt.seqs.replay',
  checkpoints: 'cpt.checkpoints',
  evals: 'cpt.evals',
  /** The trainer's per-step metrics (TrainingMetrics, batched) and the stages' accounting (StageAccounting). */
  trainingMetrics: 'cpt.metrics.training',
  stageAccounting: 'cpt.metrics.accounting',
} as const;

export function deadLetterTopic(stage: string, prefix = 'cpt'): string {
  return `${prefix}.dlq.${stage}`;
}
