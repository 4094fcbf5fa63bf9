// The seam between the API and the evaluator: POST /evaluations asks for an evaluation through this
// interface; libs/evaluation/src/eval-engine's EvaluationQueue implements it (queueing the checkpoint for its worker).
import type { EvaluationJobView } from './evaluation-jobs';
import type { CheckpointView } from './types';

export const EVALUATION_TRIGGER = Symbol('EVALUATION_TRIGGER');

export interface EvaluationRequest {
  checkpoint: CheckpointView;
  /** Harness task names to run, or null for the evaluator's configured tasks. */
  tasks: string[] | null;
  /** Documents per task (a fraction of the split when < 1, as the harness's --limit), or null for all. */
  limit: number | null;
  /** Few-shot examples per prompt, or null for each task's default. */
  numFewshot: number | null;
}

export interface EvaluationTicket {
  /** An id the evaluator can later report progress under. */
  id: string;
}

export interface EvaluationTrigger {
  /**
   * Accepts the request (the evaluation itself runs later). Throw ResultsError.invalid for a request
   * the evaluator cannot honour (an unknown task, say): the API answers it with 400.
   */
  requestEvaluation(request: EvaluationRequest): Promise<EvaluationTicket>;

  /** The evaluation job with this id (queued, running, done or dead), or null when there is none. */
  evaluation(id: string): Promise<EvaluationJobView | null>;
}
