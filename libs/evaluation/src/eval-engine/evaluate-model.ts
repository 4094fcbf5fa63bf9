// Evaluates one model directory on benchmark tasks without training (what `cptflow eval` runs):
// select and check the tasks (before the model is loaded), score each leaf task, aggregate groups,
// and shape the outcome as lm-evaluation-harness's results and --log_samples lines.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  aggregateGroup,
  evaluateTaskDocs,
  fewshotPoolProblem,
  TaskDataError,
  TaskDocs,
  harnessResults,
  HarnessResults,
  harnessSamples,
  HarnessTaskInput,
  HARNESS_FEWSHOT_SEED,
  loadTaskDocs,
  selectTasks,
  TaskScore,
  TaskSelection,
} from '../eval';
import { ModelDirError, loadHfTokenizer } from '@cptflow/model';
import { OnnxLogLikelihoodModel } from './onnx-model';

export interface ModelEvaluationOptions {
  modelDir: string;
  tasks: readonly string[];
  dataRoot: string;
  numFewshot: number;
  /** Documents per task: a count, or a fraction of the split when < 1 (the harness's --limit). */
  limit?: number;
  batchSize?: number;
  /** Where tokenizer.json comes from when the model directory has none. */
  fallbackTokenizerDir?: string;
  /** Labels the model in the results (defaults to modelDir as given). */
  modelName?: string;
  producer?: string;
  log?: (line: string) => void;
}

export interface ModelEvaluation {
  selection: TaskSelection;
  tasks: HarnessTaskInput[];
  groups: TaskScore[];
  results: HarnessResults;
  /** Per leaf task, its --log_samples lines. */
  samples: Map<string, Record<string, unknown>[]>;
  /** The tokenizer directory used (the model's own unless it had none). */
  tokenizerDir: string;
}

/** The harness's --limit: a fraction of the split (rounded up) when < 1, else a document count. */
export function limitCount(limit: number | undefined, total: number): number {
  if (limit === undefined) return total;
  return Math.min(total, limit < 1 ? Math.ceil(total * limit) : Math.floor(limit));
}

/**
 * Reads every selected task's splits before any scoring, so a malformed row or a few-shot pool
 * smaller than k stops the run at once, each problem on its own line.
 */
async function readAllTaskDocs(selection: TaskSelection, o: ModelEvaluationOptions): Promise<Map<string, TaskDocs>> {
  const docs = new Map<string, TaskDocs>();
  const problems: string[] = [];
  for (const task of selection.leaves) {
    try {
      const taskDocs = await loadTaskDocs(o.dataRoot, task, { numFewshot: o.numFewshot });
      const problem = fewshotPoolProblem(task, taskDocs.fewshotDocs?.length ?? 0, o.numFewshot);
      if (problem) problems.push(problem);
      docs.set(task.name, taskDocs);
    } catch (error) {
      if (!(error instanceof TaskDataError)) throw error;
      problems.push(`${task.name}: ${error.message}`);
    }
  }
  if (problems.length > 0) throw new TaskDataError(problems.join('\n'));
  return docs;
}

/** Throws TaskSelectionError (unknown or missing tasks) before loading anything heavy. */
export async function evaluateModelDir(o: ModelEvaluationOptions): Promise<ModelEvaluation> {
  const startTime = Date.now();
  if (!fs.existsSync(path.join(o.modelDir, 'config.json'))) throw new ModelDirError(`${o.modelDir}: no config.json (expected a Hugging Face model directory)`);
  const selection = selectTasks(o.tasks, { dataRoot: o.dataRoot, numFewshot: o.numFewshot });
  const allDocs = await readAllTaskDocs(selection, o);
  const tokenizerDir = fs.existsSync(path.join(o.modelDir, 'tokenizer.json')) || !o.fallbackTokenizerDir ? o.modelDir : o.fallbackTokenizerDir;
  const tokenizer = await loadHfTokenizer(tokenizerDir);
  const model = await OnnxLogLikelihoodModel.fromDir(o.modelDir);
  const tasks: HarnessTaskInput[] = [];
  const samples = new Map<string, Record<string, unknown>[]>();
  try {
    for (const task of selection.leaves) {
      const started = Date.now();
      const docs = allDocs.get(task.name)!;
      const originalCount = docs.evalDocs.length;
      docs.evalDocs = docs.evalDocs.slice(0, limitCount(o.limit, originalCount));
      const evaluation = await evaluateTaskDocs(task, docs, tokenizer, model, { numFewshot: o.numFewshot, batchSize: o.batchSize });
      tasks.push({ task, evaluation, originalCount });
      samples.set(task.name, harnessSamples(task, evaluation));
      o.log?.(`${task.name}: ${evaluation.samples.length} documents in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await model.close();
  }
  const scores = tasks.map((t) => t.evaluation.score);
  const groups = selection.groups.map((g) => aggregateGroup(g, scores));
  const results = harnessResults(tasks, groups, selection.subtasks, {
    model: o.modelName ?? o.modelDir,
    numFewshot: o.numFewshot,
    limit: o.limit ?? null,
    batchSize: o.batchSize ?? 32,
    fewshotSeed: HARNESS_FEWSHOT_SEED,
    startTime,
    endTime: Date.now(),
    producer: o.producer ?? 'cptflow',
    maxLength: model.maxLength,
    tokenizer: { bos: tokenizer.bosToken ?? null },
  });
  return { selection, tasks, groups, results, samples, tokenizerDir };
}
