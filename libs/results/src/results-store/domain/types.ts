// The records the evaluator stores and the views the API returns. Plain data, no framework types:
// the database layer maps its entities to these, the API serialises them as they are.

/** How a score was produced; stored with every task result so numbers are only compared like for like. */
export interface EvaluationSettings {
  /** Few-shot examples per prompt (lm-evaluation-harness `num_fewshot`; 0 when the task sets none). */
  numFewshot: number;
  /** Documents scored per task (`--limit`), or null when the whole split was scored. */
  limit: number | null;
  /** The lm-evaluation-harness release whose prompts and scoring these results reproduce, e.g. "0.4.9". */
  harnessVersion: string;
  /** The task definition's own version (the harness's `metadata.version`), when it has one. */
  taskVersion?: string;
}

/** A checkpoint as the trainer announces it (proto CheckpointEvent). (run, step) identifies it. */
export interface CheckpointRecord {
  run: string;
  step: number;
  tokensSeen: number;
  path: string;
  hfPath?: string | null;
  loss?: number | null;
  isBase: boolean;
  /** When the checkpoint was written; defaults to the time it is first stored. */
  createdAtMs?: number;
}

/** One scored document: the choice the model preferred under this result's metric and the gold one. */
export interface SampleRecord {
  docIndex: number;
  predicted: number;
  gold: number;
  correct: boolean;
  /** Log-likelihood of each choice's continuation, in choice order. */
  logprobs: number[];
  /** The text scored for each choice (the harness's request arguments), in choice order. */
  requests?: SampleRequestText[];
}

/** One loglikelihood request as text: the prompt and the continuation whose log-likelihood was summed. */
export interface SampleRequestText {
  context: string;
  continuation: string;
}

/** One (task, metric) score of a checkpoint. (checkpoint, task, metric) identifies it. */
export interface TaskResultRecord {
  /** lm-evaluation-harness task name: "arc_easy", "hellaswag", "mmlu", "mmlu_anatomy", ... */
  task: string;
  /** "acc", "acc_norm" (or another metric name the harness uses, e.g. "word_perplexity"). */
  metric: string;
  value: number;
  /** Standard error of the mean, or null where it is undefined (n < 2). */
  stderr: number | null;
  n: number;
  settings: EvaluationSettings;
  /** Per-document results; when given they replace the ones stored for this (task, metric). */
  samples?: SampleRecord[];
}

export interface RunView {
  name: string;
  checkpointCount: number;
  baseCheckpointId: number | null;
  latestStep: number | null;
  latestTokensSeen: number | null;
  createdAt: string;
}

export interface CheckpointView {
  id: number;
  run: string;
  step: number;
  tokensSeen: number;
  path: string;
  hfPath: string | null;
  loss: number | null;
  isBase: boolean;
  createdAt: string;
}

/** A stored score as read back: the record without its samples (read separately), with its id. */
export interface TaskResultView extends Omit<TaskResultRecord, 'samples'> {
  id: number;
}

export interface CheckpointResults {
  checkpoint: CheckpointView;
  results: TaskResultView[];
}

export interface SampleView extends SampleRecord {}

export interface TaskMetric {
  task: string;
  metric: string;
}

export interface ScoreDelta extends TaskMetric {
  baseline: number;
  value: number;
  /** value - baseline. */
  delta: number;
  /** sqrt(se_baseline^2 + se_value^2), or null when either side has no stderr. */
  stderr: number | null;
  /** delta / stderr, or null when stderr is null or 0. */
  z: number | null;
  /** The two sides were scored with different settings (few-shot, limit, harness version). */
  settingsDiffer: boolean;
}

export interface Comparison {
  baseline: CheckpointView;
  checkpoint: CheckpointView;
  deltas: ScoreDelta[];
  onlyInBaseline: TaskMetric[];
  onlyInCheckpoint: TaskMetric[];
}

export interface TrendPoint {
  checkpointId: number;
  step: number;
  tokensSeen: number;
  isBase: boolean;
  value: number;
  stderr: number | null;
  n: number;
}

export interface Trend extends TaskMetric {
  run: string;
  points: TrendPoint[];
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}
