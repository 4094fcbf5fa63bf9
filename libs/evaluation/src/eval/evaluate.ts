import { readSplit, TaskDataError } from './dataset-reader';
import { HARNESS_FEWSHOT_SEED } from './fewshot';
import { aggregateGroup, TaskScore } from './metrics';
import { buildRequests, DocRequests, EncodeOptions, encodeRequests } from './requests';
import { aggregateSamples, LogLikelihoodModel, SampleResult, ScoreOptions, scoreDocuments, scoreRequests } from './scorer';
import {
  docChoices,
  docTarget,
  docText,
  evalSplitOf,
  fewshotSplitOf,
  getDocsProcessor,
  TaskDefinition,
  TaskDefinitionError,
  TaskGroupDefinition,
} from './task-definition';
import { Doc } from './template';
import { Tokenizer } from '@cptflow/model';

export interface TaskDocs {
  evalDocs: Doc[];
  fewshotDocs?: Doc[];
}

/**
 * Reads a task's evaluated split (first `limit` rows, as the harness's --limit) and, when k > 0, its
 * few-shot split, both run through the task's processDocs.
 */
export async function loadTaskDocs(dataRoot: string, task: TaskDefinition, options: { numFewshot?: number; limit?: number } = {}): Promise<TaskDocs> {
  const readChecked = async (split: string) => checkDocs(task, split, await readSplit(dataRoot, task.dataset, split, task.requiredColumns, task.name));
  let evalDocs = await readChecked(evalSplitOf(task));
  if (options.limit !== undefined) evalDocs = evalDocs.slice(0, options.limit);
  const k = options.numFewshot ?? task.numFewshot ?? 0;
  if (k === 0) return { evalDocs };
  const split = fewshotSplitOf(task);
  if (!split) throw new Error(`${task.name}: no split to draw few-shot examples from`);
  return { evalDocs, fewshotDocs: await readChecked(split) };
}

/**
 * The split's rows through the task's processDocs, each one's prompt, choices and target resolved
 * once: a row with a field of the wrong type (a null choice, a label that is no index, no choices at
 * all) is a TaskDataError naming the task, split and document, raised while reading, before any
 * model is loaded. (The harness would crash on such a row mid-evaluation.)
 */
function checkDocs(task: TaskDefinition, split: string, rows: Doc[]): Doc[] {
  const where = (at: string, err: unknown) => new TaskDataError(`split "${split}" ${at}: ${(err as Error).message}`);
  let docs: Doc[];
  try {
    docs = (getDocsProcessor(task.processDocs) ?? ((d: Doc[]) => d))(rows);
  } catch (err) {
    // processDocs is plain code over the rows (HellaSwag's string clean-up): a wrong type is a TypeError
    if (!(err instanceof TypeError || err instanceof TaskDefinitionError)) throw err;
    throw where(`processDocs "${String(task.processDocs)}"`, err);
  }
  docs.forEach((doc, i) => {
    try {
      docText(task, doc);
      if (docChoices(task, doc).length === 0) throw new TaskDefinitionError(`${task.name}: docToChoice gave no choices`);
      docTarget(task, doc);
    } catch (err) {
      if (!(err instanceof TaskDefinitionError)) throw err;
      throw where(`document ${i}`, err);
    }
  });
  return docs;
}

/**
 * Why `task` cannot be prompted k-shot from a pool of `pool` few-shot examples, or null when it can.
 * Where the few-shot split is the evaluated split the harness draws k + 1 and drops the evaluated
 * document (not for first_n samplers such as MMLU's dev split).
 */
export function fewshotPoolProblem(task: TaskDefinition, pool: number, numFewshot: number): string | null {
  const needed = numFewshot + (task.fewshotSplit === task.testSplit && task.fewshotSampler !== 'first_n' ? 1 : 0);
  if (numFewshot === 0 || pool >= needed) return null;
  return `${task.name}: ${numFewshot}-shot needs ${needed} examples from split "${fewshotSplitOf(task)}", which has ${pool}`;
}

/**
 * Reads only each task's few-shot split and throws TaskDataError naming every task that cannot be
 * prompted k-shot, so a request for too many shots is refused before a model is loaded.
 */
export async function checkFewshotPools(dataRoot: string, tasks: readonly TaskDefinition[], numFewshot: number): Promise<void> {
  if (numFewshot === 0) return;
  const problems: string[] = [];
  for (const task of tasks) {
    const split = fewshotSplitOf(task);
    if (!split) {
      problems.push(`${task.name}: no split to draw few-shot examples from`);
      continue;
    }
    const process = getDocsProcessor(task.processDocs) ?? ((d: Doc[]) => d);
    const pool = process(await readSplit(dataRoot, task.dataset, split, task.requiredColumns, task.name)).length;
    const problem = fewshotPoolProblem(task, pool, numFewshot);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new TaskDataError(problems.join('\n'));
}

export interface EvaluateOptions extends EncodeOptions, ScoreOptions {
  numFewshot?: number;
  fewshotSeed?: number;
  limit?: number;
}

/** The settings a result was produced with, in the harness's terms (for storing beside the scores). */
export interface TaskSettings {
  task: string;
  version?: number;
  numFewshot: number;
  fewshotSeed: number;
  /** undefined = the tokenizer's default (harness >= 0.4.9.2). */
  addBosToken?: boolean;
  limit?: number;
  metrics: string[];
}

export interface TaskEvaluation {
  score: TaskScore;
  settings: TaskSettings;
  numFewshot: number;
  samples: SampleResult[];
  docs: DocRequests[];
}

/** Builds, tokenizes and scores one task's requests and aggregates its metrics. */
export async function evaluateTaskDocs(task: TaskDefinition, taskDocs: TaskDocs, tokenizer: Tokenizer, model: LogLikelihoodModel, options: EvaluateOptions = {}): Promise<TaskEvaluation> {
  const numFewshot = options.numFewshot ?? task.numFewshot ?? 0;
  const docs = buildRequests(task, taskDocs.evalDocs, { numFewshot, fewshotDocs: taskDocs.fewshotDocs, fewshotSeed: options.fewshotSeed });
  const requests = docs.flatMap((d) => d.requests);
  const encoded = await encodeRequests(tokenizer, requests, options);
  const results = await scoreRequests(model, encoded, options);
  const samples = scoreDocuments(docs, results);
  const settings: TaskSettings = {
    task: task.name,
    version: task.version,
    numFewshot,
    fewshotSeed: options.fewshotSeed ?? HARNESS_FEWSHOT_SEED,
    addBosToken: options.addBosToken,
    limit: options.limit,
    metrics: [...task.metrics],
  };
  return { score: aggregateSamples(task.name, task.metrics, samples), settings, numFewshot, samples, docs };
}

export async function evaluateTask(dataRoot: string, task: TaskDefinition, tokenizer: Tokenizer, model: LogLikelihoodModel, options: EvaluateOptions = {}): Promise<TaskEvaluation> {
  const taskDocs = await loadTaskDocs(dataRoot, task, options);
  return evaluateTaskDocs(task, taskDocs, tokenizer, model, options);
}

/** Evaluates leaf tasks one after another, then the groups over them (e.g. MMLU's micro-average). */
export async function evaluateSuite(
  dataRoot: string,
  tasks: readonly TaskDefinition[],
  groups: readonly TaskGroupDefinition[],
  tokenizer: Tokenizer,
  model: LogLikelihoodModel,
  options: EvaluateOptions = {},
): Promise<{ tasks: TaskEvaluation[]; groups: TaskScore[] }> {
  const evaluations: TaskEvaluation[] = [];
  for (const task of tasks) evaluations.push(await evaluateTask(dataRoot, task, tokenizer, model, options));
  const scores = evaluations.map((e) => e.score);
  const groupScores = groups
    .filter((g) => g.tasks.some((t) => scores.some((s) => s.task === t)))
    .map((g) => aggregateGroup(g, scores));
  return { tasks: evaluations, groups: groupScores };
}
