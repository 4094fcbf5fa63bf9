// The evaluator's section of the cptflow configuration (`stages.evaluator`), validated at start.
// Environment: CPTFLOW__STAGES__EVALUATOR__<FIELD>=..., plus DATABASE_URL and EVALUATOR_API_TOKEN,
// which deployments already set by those names.
import { z } from 'zod';
import { CptflowConfig, parseOrExplain } from '../../../libs/config/src';

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
     * Harness task names: leaf tasks ("arc_easy", "mmlu_anatomy"), or "mmlu" for its subjects + the group
     * score. Empty: held-out perplexity only (what `cptflow run` does when no task files are given).
     */
    tasks: z.array(taskName).default(DEFAULT_TASKS),
    /** Restricts the subjects "mmlu" expands to (default: all 57); its group score covers these. */
    mmluSubjects: z.array(z.string().min(1)).optional(),
    /** Root of the task files in their hub layouts (<root>/allenai/ai2_arc/ARC-Easy/test-*.parquet, ...). */
    taskDataDir: z.string().min(1).default('data/tasks'),
    /** Extra task definitions (JSON files, libs/eval's format); they may shadow built-in names. */
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
        heartbeatMs: z.number().int().min(1).default(1000),
        threadsPerRank: z.number().int().min(1).optional(),
      })
      .strict()
      .default({}),
    /** The lm-evaluation-harness release whose scoring libs/eval reproduces; stored with every result. */
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
    /**
     * A checkpoint's evaluation runs inside the consumer's batch, so the group session must outlive
     * it; raise for large task sets (brokers cap it at group.max.session.timeout.ms, 30 min by default).
     */
    kafkaSessionTimeoutMs: z.number().int().min(6_000).default(600_000),
    /** Bearer tokens for POST /evaluations (at least 16 characters each). */
    apiTokens: z.array(z.string().min(16)).min(1),
    /** PostgreSQL connection URL; SQLite at sqlitePath when unset. */
    databaseUrl: z.string().min(1).optional(),
    sqlitePath: z.string().min(1).default('data/results.sqlite'),
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
