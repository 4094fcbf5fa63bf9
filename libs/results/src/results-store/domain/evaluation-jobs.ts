// Evaluation jobs as the evaluator and the API see them (the table is `evaluation_jobs`).
export type EvaluationJobKind = 'checkpoint-event' | 'request';

/** queued -> running -> done; running -> queued (a retry after a transient failure); -> dead (given up, with the reason). */
export type EvaluationJobState = 'queued' | 'running' | 'done' | 'dead';

export interface NewEvaluationJob {
  /** Makes the job unique: a second enqueue with the same key returns the first job. Default: the new job's id. */
  readonly key?: string;
  readonly kind: EvaluationJobKind;
  /** Stored as JSON. */
  readonly payload: unknown;
}

export interface EvaluationJobView {
  readonly id: string;
  readonly kind: EvaluationJobKind;
  readonly state: EvaluationJobState;
  /** How many times a worker has claimed it (a process killed mid-evaluation counts too). */
  readonly attempts: number;
  readonly payload: unknown;
  readonly error: string | null;
  readonly outcome: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}
