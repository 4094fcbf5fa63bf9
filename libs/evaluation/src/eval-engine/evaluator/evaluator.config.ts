// The evaluator's section of the cptflow configuration (`stages.evaluator`), validated at start.
// Environment: CPTFLOW__STAGES__EVALUATOR__<FIELD>=..., plus DATABASE_URL and EVALUATOR_API_TOKEN,
// which deployments already set by those names.
import { z } from 'zod';
import { dirname } from 'node:path';
import { CptflowConfig, parseOrExplain, requireDirectory, requireFile, requireWritableDirectory, timerPeriod } from '@cptflow/platform';
import { MMLU_SUBJECTS } from '../../eval';

const ALL_MMLU_SUBJECTS = Object.values(MMLU_SUBJECTS).flat();

const DEFAULT_TASKS = ['arc_easy', 'arc_challenge', 'hellaswag', 'winogrande', 'boolq', 'piqa', 'mmlu'];

/** Harness-style lower-case names (the results store's rule for task names). */
const taskName = z.string().regex(/^[a-z0-9][a-z0-9_.\-]*$/, 'must be a lower-case task name like "arc_easy"');

export const heldoutSetSchema = z
  .object({
    /** Stored as the task name of its perplexity results, e.g. "heldout_general". */
    name: taskName,
    /** JSONL (optionally .gz) with a `text` field per line, or a Parquet file with a `text` column. */
    path: z.string().min(1),
    /** Only the first N documents (keeps a per-checkpoint evaluation bounded). */
    maxDocuments: z.number().int().min(1).optional(),
  })
  .strict();

export const evaluatorSchema = z
  .object({
    /**
     * Harness task names, as `cptflow eval` takes them: leaf tasks ("arc_easy", "mmlu_anatomy"), or
     * "mmlu" / "mmlu_<category>" for the subjects with task files + the group scores. Empty: held-out
     * perplexity only (what `cptflow run` does when no task files are given).
     */
    tasks: z.array(taskName).default(DEFAULT_TASKS),
    /** Restricts the subjects "mmlu" and its categories stand for (default: all 57). */
    mmluSubjects: z.array(z.enum(ALL_MMLU_SUBJECTS as [string, ...string[]])).optional(),
    /** Root of the task files in their hub layouts (<root>/allenai/ai2_arc/ARC-Easy/test-*.parquet, ...). */
    taskDataDir: z.string().min(1).default('data/tasks'),
    /** Extra task definitions (JSON files, libs/evaluation/src/eval's format); they may shadow built-in names. */
    taskDefinitionsDir: z.string().min(1).optional(),
    /** Documents per task: a count, or a fraction of the split when < 1 (as the harness's --limit). */
    limit: z.number().positive().nullable().default(null),
    /** Few-shot examples per prompt; null keeps each task's default (0 for all seven). */
    numFewshot: z.number().int().min(0).nullable().default(null),
    /** Requests per scoring batch (the scorer sorts by length, so a batch pads little). */
    batchSize: z.number().int().min(1).default(32),
    /** batch × padded length per ONNX Runtime run; bounds activation memory. */
    maxTokensPerPass: z.number().int().min(64).default(16_384),
    /** Longest model input; default: the model's max_position_embeddings (as the harness). */
    maxLength: z.number().int().min(2).optional(),
    intraOpThreads: z.number().int().min(1).optional(),
    /** onnx: ONNX Runtime in a worker thread; torch: the torch engine's worker group (GPU scoring, libs/torch-engine). */
    engine: z.enum(['onnx', 'torch']).default('onnx'),
    /** The torch worker group (engine "torch"): as stages.trainer.torch, one node. */
    torch: z
      .object({
        python: z.string().min(1).optional(),
        device: z.enum(['cpu', 'cuda']).default('cpu'),
        nprocPerNode: z.number().int().min(1).default(1),
        heartbeatMs: timerPeriod(1).int().default(1000),
        threadsPerRank: z.number().int().min(1).optional(),
      })
      .strict()
      .default({}),
    /** The lm-evaluation-harness release whose scoring libs/evaluation/src/eval reproduces; stored with every result. */
    harnessVersion: z.string().min(1).default('0.4.13'),
    /** Perplexity sets scored for every checkpoint, so forgetting shows beside benchmark scores. */
    heldout: z.array(heldoutSetSchema).default([]),
    /** Window length of the rolling perplexity (default: the model's max length). */
    perplexityMaxLength: z.number().int().min(2).optional(),
    /**
     * Model directory (HF layout) of the base model. When a run's first checkpoint arrives without a
     * base, this is recorded and evaluated once as its base (step 0).
     */
    baseModelDir: z.string().min(1).optional(),
    /** Consumer group on the checkpoints topic. */
    groupId: z.string().min(1).default('cpt-evaluator'),
    /** Kafka consumer session; the batch handler only records jobs, so it need not outlive an evaluation. */
    kafkaSessionTimeoutMs: z.number().int().min(6_000).default(30_000),
    /** The evaluation jobs (outside the Kafka batch; see the README). */
    jobs: z
      .object({
        /** A claimed job is ours this long without renewal (renewed every third); after a crash it is claimed again once this has passed. */
        leaseMs: timerPeriod(1).int().min(1_000).default(60_000),
        /** Claims before a job is given up (dead-lettered): retries of transient failures and crashes mid-evaluation. */
        maxAttempts: z.number().int().min(1).default(8),
        retryBackoffMs: timerPeriod(1).int().default(1_000),
        maxBackoffMs: timerPeriod(1).int().default(60_000),
        /** How often to look for jobs other replicas recorded or whose lease ran out. */
        pollMs: timerPeriod(1).int().min(10).default(1_000),
      })
      .strict()
      .default({}),
    /** Bearer tokens for POST /evaluations (at least 16 characters each). */
    apiTokens: z.array(z.string().min(16), { required_error: 'required: set EVALUATOR_API_TOKEN (comma-separated tokens of at least 16 characters)' }).min(1),
    /** PostgreSQL connection URL; SQLite at sqlitePath when unset. */
    databaseUrl: z.string().min(1).optional(),
    sqlitePath: z.string().min(1).default('data/results.sqlite'),
    /** How often the dashboard page at `/` asks for new data. */
    dashboardPollMs: timerPeriod(1).int().min(250).default(3000),
    /** Training steps kept per run for the dashboard; longer runs are thinned evenly (every other step). */
    maxTrainingStepsPerRun: z.number().int().min(16).default(4096),
    /** Consumer group of the dashboard's topics (training metrics, stage accounting). */
    telemetryGroupId: z.string().min(1).default('cpt-evaluator-telemetry'),
  })
  .strict();

export type EvaluatorConfig = z.infer<typeof evaluatorSchema>;
export type HeldoutSet = z.infer<typeof heldoutSetSchema>;

/** The evaluator section of a loaded config, with DATABASE_URL / EVALUATOR_API_TOKEN folded in. */
export function evaluatorConfigFrom(config: CptflowConfig, env: NodeJS.ProcessEnv = process.env): EvaluatorConfig {
  const section = { ...((config.stages.evaluator as Record<string, unknown> | undefined) ?? {}) };
  if (env.DATABASE_URL && section.databaseUrl === undefined) section.databaseUrl = env.DATABASE_URL;
  if (env.EVALUATOR_API_TOKEN && section.apiTokens === undefined) section.apiTokens = env.EVALUATOR_API_TOKEN.split(',').map((t) => t.trim());
  return parseOrExplain(evaluatorSchema, section, 'stages.evaluator config');
}

/**
 * The files and folders the section names, checked at start so a wrong path is exit 2 naming the
 * setting: the SQLite database's folder must be writable (and not under /proc), named inputs must exist.
 */
export function checkEvaluatorPaths(c: EvaluatorConfig): void {
  if (!c.databaseUrl) requireWritableDirectory(dirname(c.sqlitePath), 'stages.evaluator.sqlitePath');
  if (c.baseModelDir !== undefined) requireDirectory(c.baseModelDir, 'stages.evaluator.baseModelDir');
  if (c.taskDefinitionsDir !== undefined) requireDirectory(c.taskDefinitionsDir, 'stages.evaluator.taskDefinitionsDir');
  c.heldout.forEach((set, i) => requireFile(set.path, `stages.evaluator.heldout[${i}].path`));
}
