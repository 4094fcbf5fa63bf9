import { Doc, lookupPath, renderTemplate } from './template';

/**
 * How a task derives a value (prompt text, choice list, gold answer) from a document. The JSON-able
 * forms cover the harness's YAML configs; `fn` names a function registered with registerDocFunction
 * (the harness's `!function utils.x`), and TypeScript definitions may pass a function directly.
 */
export type FieldSpec =
  | { template: string }
  | { column: string }
  | { columns: string[] }
  | { literal: string | number | string[] }
  | { indexOf: { list: string; value: string } }
  | { fn: string }
  | ((doc: Doc) => unknown);

export type MetricName = 'acc' | 'acc_norm' | 'acc_bytes';

export interface DatasetSpec {
  /** Directory under the data root, named like the hub repository (e.g. "allenai/ai2_arc"). */
  path: string;
  /** Hub config name (e.g. "ARC-Easy"); null/absent for single-config datasets. */
  name?: string | null;
  /** Explicit files per split, relative to the dataset directory; otherwise hub layouts are searched. */
  files?: Record<string, string[]>;
}

/** A benchmark task as data: everything lm-evaluation-harness's task YAML says for multiple choice. */
export interface TaskDefinition {
  /** Harness task name, used in results (e.g. "arc_easy", "mmlu_anatomy"). */
  name: string;
  /** Harness task version (metadata.version). */
  version?: number;
  dataset: DatasetSpec;
  trainingSplit?: string;
  validationSplit?: string;
  testSplit?: string;
  /** Split the few-shot examples come from; else training, else validation, else test (as the harness). */
  fewshotSplit?: string;
  /** "default": random.Random(seed).sample; "first_n": the first k rows in order (MMLU). */
  fewshotSampler?: 'default' | 'first_n';
  /** Raw columns each row must have; checked when the data file is read. */
  requiredColumns: string[];
  /** Name of a registered document processor (the harness's process_docs), applied to every split. */
  processDocs?: string | ((docs: Doc[]) => Doc[]);
  /** Prefix of every prompt (template, rendered with the evaluated document). */
  description?: string;
  docToText: FieldSpec;
  docToChoice: FieldSpec;
  docToTarget: FieldSpec;
  /** Separates a prompt from its answer (harness default " "). */
  targetDelimiter?: string;
  /** Separates few-shot examples (harness default "\n\n"). */
  fewshotDelimiter?: string;
  metrics: MetricName[];
  /** Default number of few-shot examples (harness default 0). */
  numFewshot?: number;
}

/** A group score over leaf tasks (MMLU): size-weighted mean with pooled stderr, as the harness's aggregate_metric_list. */
export interface TaskGroupDefinition {
  name: string;
  tasks: string[];
  metrics: MetricName[];
  /** true: Σ value_i·n_i / Σ n_i (the harness's weight_by_size); false: plain mean over subtasks. */
  weightBySize: boolean;
}

type DocFunction = (doc: Doc) => unknown;
type DocsProcessor = (docs: Doc[]) => Doc[];

const docFunctions = new Map<string, DocFunction>();
const docsProcessors = new Map<string, DocsProcessor>();

/** Makes `{ fn: name }` usable in task definitions. */
export function registerDocFunction(name: string, fn: DocFunction): void {
  docFunctions.set(name, fn);
}

/** Whether `{ fn: name }` names a registered doc function. */
export function isDocFunction(name: string): boolean {
  return docFunctions.has(name);
}

/** Makes `processDocs: name` usable in task definitions. */
export function registerDocsProcessor(name: string, fn: DocsProcessor): void {
  docsProcessors.set(name, fn);
}

export function getDocsProcessor(spec: TaskDefinition['processDocs']): DocsProcessor | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec === 'function') return spec;
  const fn = docsProcessors.get(spec);
  if (!fn) throw new Error(`unknown processDocs "${spec}" (registered: ${[...docsProcessors.keys()].join(', ') || 'none'})`);
  return fn;
}

export class TaskDefinitionError extends Error {}

/** Evaluates a FieldSpec. `digitsToInt` mirrors the harness turning a rendered "3" into the index 3. */
export function resolveField(spec: FieldSpec, doc: Doc, digitsToInt: boolean): unknown {
  if (typeof spec === 'function') return spec(doc);
  if ('template' in spec) {
    const text = renderTemplate(spec.template, doc);
    return digitsToInt && /^[0-9]+$/.test(text) ? Number(text) : text;
  }
  if ('column' in spec) return lookupPath(doc, spec.column);
  if ('columns' in spec) return spec.columns.map((c) => lookupPath(doc, c));
  if ('literal' in spec) return Array.isArray(spec.literal) ? [...spec.literal] : spec.literal;
  if ('indexOf' in spec) {
    const list = lookupPath(doc, spec.indexOf.list);
    const value = lookupPath(doc, spec.indexOf.value);
    if (!Array.isArray(list)) throw new TaskDefinitionError(`indexOf: "${spec.indexOf.list}" is not a list`);
    const at = list.indexOf(value);
    // Python's list.index raises; the harness would crash on such a row, so do we.
    if (at < 0) throw new TaskDefinitionError(`indexOf: ${JSON.stringify(value)} not in ${spec.indexOf.list}`);
    return at;
  }
  if ('fn' in spec) {
    const fn = docFunctions.get(spec.fn);
    if (!fn) throw new TaskDefinitionError(`unknown doc function "${spec.fn}"`);
    return fn(doc);
  }
  throw new TaskDefinitionError(`unsupported field spec ${JSON.stringify(spec)}`);
}

/** doc_to_choice: always a list of strings. */
export function docChoices(task: TaskDefinition, doc: Doc): string[] {
  const value = resolveField(task.docToChoice, doc, false);
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new TaskDefinitionError(`${task.name}: docToChoice must give a list of strings, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

/** doc_to_text: the prompt, or (multiple-input tasks such as Winogrande) the gold context index. */
export function docText(task: TaskDefinition, doc: Doc): string | number {
  const value = resolveField(task.docToText, doc, true);
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TaskDefinitionError(`${task.name}: docToText must give a string or an index, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** doc_to_target: a choice index, or a string (a choice, or Winogrande's shared continuation). */
export function docTarget(task: TaskDefinition, doc: Doc): string | number {
  const value = resolveField(task.docToTarget, doc, true);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TaskDefinitionError(`${task.name}: docToTarget must give an index or a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Which split is evaluated: test if the task has one, else validation (harness eval_docs). */
export function evalSplitOf(task: TaskDefinition): string {
  const split = task.testSplit ?? task.validationSplit;
  if (!split) throw new TaskDefinitionError(`${task.name}: needs a testSplit or validationSplit`);
  return split;
}

/** Where few-shot examples come from (harness ConfigurableTask.fewshot_docs / Task.fewshot_docs). */
export function fewshotSplitOf(task: TaskDefinition): string | undefined {
  return task.fewshotSplit ?? task.trainingSplit ?? task.validationSplit ?? task.testSplit;
}
