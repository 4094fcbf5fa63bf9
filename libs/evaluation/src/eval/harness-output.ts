// What lm-evaluation-harness writes for `--output_path DIR --log_samples`, so tools that read harness
// outputs read cptflow's: `DIR/<model name sanitised>/results_<date id>.json` (results, groups,
// group_subtasks, configs, versions, n-shot, higher_is_better, n-samples, config, ...) and
// `samples_<task>_<date id>.jsonl` (doc, target, arguments, resps, filtered_resps, acc / acc_norm,
// hashes), plus the results table `make_table` prints (lm_eval/utils.py, lm_eval/evaluator.py,
// lm_eval/loggers/evaluation_tracker.py, v0.4.13). Shapes are checked against the harness's own
// files recorded by fixtures/make_lm_eval_reference.py.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TaskEvaluation } from './evaluate';
import type { TaskScore } from './metrics';
import { docTarget, TaskDefinition } from './task-definition';

/** One entry of the results / groups sections: `alias`, then `<metric>,none` and `<metric>_stderr,none`. */
export type HarnessMetrics = Record<string, string | number>;

export interface HarnessResults {
  results: Record<string, HarnessMetrics>;
  groups?: Record<string, HarnessMetrics>;
  group_subtasks: Record<string, string[]>;
  configs: Record<string, Record<string, unknown>>;
  versions: Record<string, number | string | null>;
  'n-shot': Record<string, number>;
  higher_is_better: Record<string, Record<string, boolean>>;
  'n-samples': Record<string, { original: number; effective: number }>;
  config: Record<string, unknown>;
  [key: string]: unknown;
}

export interface HarnessRunInfo {
  /** The model as given (a directory). */
  model: string;
  numFewshot: number;
  limit: number | null;
  batchSize: number;
  fewshotSeed: number;
  startTime: number;
  endTime: number;
  /** cptflow's own version string (stands where the harness writes lm_eval_version). */
  producer: string;
  maxLength?: number;
  tokenizer?: { bos?: string | null; eos?: string | null; eosId?: number | null };
}

export interface HarnessTaskInput {
  task: TaskDefinition;
  evaluation: TaskEvaluation;
  /** Rows of the evaluated split before --limit. */
  originalCount: number;
}

/** `sanitize_model_name`: the folder the harness writes a model's files into. */
export function sanitizeModelName(name: string): string {
  return name.replace(/["<>:/|\\?*[\]]+/g, '__');
}

/** The results file's content for leaf task evaluations and group scores. */
export function harnessResults(tasks: readonly HarnessTaskInput[], groups: readonly TaskScore[], subtasks: Record<string, string[]>, info: HarnessRunInfo): HarnessResults {
  const { depth } = hierarchy(subtasks, new Set());
  const results: Record<string, HarnessMetrics> = {};
  const groupSection: Record<string, HarnessMetrics> = {};
  const out: HarnessResults = {
    results,
    group_subtasks: {},
    configs: {},
    versions: {},
    'n-shot': {},
    higher_is_better: {},
    'n-samples': {},
    config: {},
  };
  for (const g of groups) {
    const entry = { name: g.task, alias: aliasOf(g.task, depth), sample_len: g.n, ...metricEntries(g) };
    results[g.task] = entry;
    groupSection[g.task] = entry;
    out.versions[g.task] = 2;
    out['n-shot'][g.task] = info.numFewshot;
    out.higher_is_better[g.task] = higherIsBetter(g);
  }
  for (const { task, evaluation, originalCount } of tasks) {
    results[task.name] = { name: task.name, alias: aliasOf(task.name, depth), sample_len: evaluation.samples.length, ...metricEntries(evaluation.score) };
    out.versions[task.name] = task.version ?? null;
    out['n-shot'][task.name] = evaluation.numFewshot;
    out.higher_is_better[task.name] = higherIsBetter(evaluation.score);
    out['n-samples'][task.name] = { original: originalCount, effective: evaluation.samples.length };
    out.configs[task.name] = taskConfig(task, evaluation, info);
  }
  if (groups.length > 0) out.groups = groupSection;
  for (const [group, children] of Object.entries(subtasks)) out.group_subtasks[group] = [...children];
  for (const { task } of tasks) if (!Object.values(subtasks).some((c) => c.includes(task.name))) out.group_subtasks[task.name] = [];
  out.config = {
    model: 'cptflow',
    model_args: `pretrained=${info.model}`,
    batch_size: info.batchSize,
    batch_sizes: [],
    device: 'cpu',
    use_cache: null,
    limit: info.limit,
    bootstrap_iters: 0,
    gen_kwargs: null,
    random_seed: 0,
    numpy_seed: 1234,
    torch_seed: 1234,
    fewshot_seed: info.fewshotSeed,
  };
  out.git_hash = null;
  out.date = info.startTime / 1000;
  out.pretty_env_info = info.producer;
  out.transformers_version = null;
  out.lm_eval_version = null;
  out.upper_git_hash = null;
  out.tokenizer_pad_token = [null, null];
  out.tokenizer_eos_token = [info.tokenizer?.eos ?? null, info.tokenizer?.eosId != null ? String(info.tokenizer.eosId) : null];
  out.tokenizer_bos_token = [info.tokenizer?.bos ?? null, null];
  out.eot_token_id = info.tokenizer?.eosId ?? null;
  out.max_length = info.maxLength ?? null;
  out.task_hashes = {};
  out.model_source = 'cptflow';
  out.model_name = info.model;
  out.model_name_sanitized = sanitizeModelName(info.model);
  out.system_instruction = null;
  out.system_instruction_sha = null;
  out.fewshot_as_multiturn = false;
  out.chat_template = null;
  out.chat_template_sha = null;
  out.start_time = info.startTime / 1000;
  out.end_time = info.endTime / 1000;
  out.total_evaluation_time_seconds = String((info.endTime - info.startTime) / 1000);
  return out;
}

function metricEntries(score: TaskScore): HarnessMetrics {
  const out: HarnessMetrics = {};
  for (const [metric, v] of Object.entries(score.metrics)) {
    out[`${metric},none`] = v!.value;
    out[`${metric}_stderr,none`] = v!.stderr ?? 'N/A';
  }
  return out;
}

function higherIsBetter(score: TaskScore): Record<string, boolean> {
  return Object.fromEntries(Object.keys(score.metrics).map((m) => [m, true]));
}

/** The harness's aliases: MMLU subjects and categories are listed by their short names under mmlu. */
function aliasOf(name: string, depth: Map<string, number>): string {
  const d = depth.get(name) ?? 0;
  return d > 0 && name.startsWith('mmlu_') ? name.slice('mmlu_'.length) : name;
}

function taskConfig(task: TaskDefinition, evaluation: TaskEvaluation, info: HarnessRunInfo): Record<string, unknown> {
  return {
    task: task.name,
    dataset_path: task.dataset.path,
    dataset_name: task.dataset.name ?? null,
    training_split: task.trainingSplit ?? null,
    validation_split: task.validationSplit ?? null,
    test_split: task.testSplit ?? null,
    fewshot_split: task.fewshotSplit ?? null,
    description: task.description ?? '',
    doc_to_text: fieldText(task.docToText),
    doc_to_target: fieldText(task.docToTarget),
    doc_to_choice: fieldText(task.docToChoice),
    doc_to_decontamination_query: null,
    unsafe_code: false,
    target_delimiter: task.targetDelimiter ?? ' ',
    fewshot_delimiter: task.fewshotDelimiter ?? '\n\n',
    fewshot_config: { sampler: task.fewshotSampler ?? 'default' },
    num_fewshot: evaluation.numFewshot,
    metric_list: task.metrics.map((m) => ({ metric: m, aggregation: 'mean', higher_is_better: true })),
    output_type: 'multiple_choice',
    repeats: 1,
    should_decontaminate: false,
    metadata: { version: task.version ?? null, pretrained: info.model },
  };
}

/** A FieldSpec as the harness's config shows a doc_to_* entry: the template, column or function name. */
function fieldText(spec: TaskDefinition['docToText']): unknown {
  if (typeof spec === 'function') return spec.name || 'function';
  if ('template' in spec) return spec.template;
  if ('column' in spec) return spec.column;
  if ('columns' in spec) return `{{[${spec.columns.join(', ')}]}}`;
  if ('literal' in spec) return spec.literal;
  if ('fn' in spec) return `!function ${spec.fn}`;
  return `{{${spec.indexOf.list}.index(${spec.indexOf.value})}}`;
}

/** Python's repr of a float (what `sanitize_list` writes for log-likelihoods): "-12.5", "-3.0", "1e-05". */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Object.is(x, -0)) return '-0.0';
  const [mantissa, exp] = x.toExponential().split('e');
  const e = Number(exp);
  if (e < -4 || e >= 16) return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const fixed = String(x);
  return /[.e]/.test(fixed) ? fixed : `${fixed}.0`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** One `--log_samples` line per evaluated document, as EvaluationTracker.save_results_samples writes it. */
export function harnessSamples(task: TaskDefinition, evaluation: TaskEvaluation): Record<string, unknown>[] {
  return evaluation.docs.map((doc, i) => {
    const sample = evaluation.samples[i];
    const target = docTarget(task, doc.doc);
    const arguments_: Record<string, { arg_0: string; arg_1: string }> = {};
    doc.requests.forEach((r, j) => (arguments_[`gen_args_${j}`] = { arg_0: r.context, arg_1: r.continuation }));
    const pairs = sample.logprobs.map((ll, j) => [pyFloatRepr(ll), sample.isGreedy[j] ? 'True' : 'False']);
    const line: Record<string, unknown> = {
      doc_id: doc.docIndex,
      doc: doc.doc,
      target: String(target),
      arguments: arguments_,
      resps: pairs.map((p) => [p]),
      filtered_resps: pairs,
      filter: 'none',
      metrics: [...task.metrics],
      doc_hash: sha256(JSON.stringify(doc.doc, null, 2)),
      prompt_hash: sha256(doc.requests[0]?.context ?? ''),
      target_hash: sha256(String(target)),
    };
    if (task.metrics.includes('acc')) line.acc = sample.acc;
    if (task.metrics.includes('acc_norm')) line.acc_norm = sample.accNorm;
    if (task.metrics.includes('acc_bytes')) line.acc_bytes = sample.accBytes;
    return line;
  });
}

/** The harness's `date_id`: local ISO time with ":" replaced, e.g. 2026-12-03T21-50-12.123456. */
export function harnessDateId(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}000`;
}

export interface WrittenHarnessOutput {
  resultsFile: string;
  sampleFiles: string[];
}

/** Writes results_<date>.json and samples_<task>_<date>.jsonl under outDir/<model sanitised>/. */
export function writeHarnessOutput(outDir: string, results: HarnessResults, samples: ReadonlyMap<string, Record<string, unknown>[]>, dateId: string): WrittenHarnessOutput {
  const dir = path.join(outDir, sanitizeModelName(String(results.model_name)));
  fs.mkdirSync(dir, { recursive: true });
  const taskHashes: Record<string, string> = {};
  for (const [task, lines] of samples) taskHashes[task] = sha256(lines.map((s) => `${s.doc_hash}${s.prompt_hash}${s.target_hash}`).join(''));
  const resultsFile = path.join(dir, `results_${dateId}.json`);
  fs.writeFileSync(resultsFile, `${JSON.stringify({ ...results, task_hashes: taskHashes }, null, 2)}`);
  const sampleFiles: string[] = [];
  for (const [task, lines] of samples) {
    const file = path.join(dir, `samples_${task}_${dateId}.jsonl`);
    fs.writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    sampleFiles.push(file);
  }
  return { resultsFile, sampleFiles };
}

// ------------------------------------------------------------------------------------ the table
const HEADERS = ['Version', 'Filter', 'n-shot', 'Metric', '', 'Value', '', 'Stderr'];

/**
 * make_table(result_dict, column): a Markdown table (pytablewriter's layout) with one row per metric,
 * tasks in the group tree's order (groups sorted, their children sorted beneath them, indented by
 * depth as " " * depth + "- "), then the remaining tasks sorted.
 */
export function harnessTable(results: HarnessResults, column: 'results' | 'groups' = 'results'): string {
  const section = (column === 'groups' ? results.groups : results.results) ?? {};
  const { depth, order } = hierarchy(results.group_subtasks ?? {}, new Set(Object.keys(section)));
  const rows: string[][] = [];
  for (const key of order) {
    const entry = { ...section[key] };
    let name = String(entry.alias ?? key);
    delete entry.alias;
    delete entry.name;
    delete entry.sample_len;
    delete entry.sample_count;
    const d = depth.get(key) ?? 0;
    if (d > 0) name = `${' '.repeat(d)}- ${name}`;
    let version = key in (results.versions ?? {}) ? pyStr(results.versions[key]) : '    N/A';
    const nShot = String(results['n-shot']?.[key] ?? ' ');
    const hib = results.higher_is_better?.[key] ?? {};
    for (const metricFilter of Object.keys(entry).sort()) {
      const [metric, filter] = splitOnce(metricFilter, ',');
      if (metric.endsWith('_stderr')) continue;
      const arrow = hib[metric] === true ? '↑' : hib[metric] === false ? '↓' : '';
      const raw = entry[metricFilter];
      const value = typeof raw === 'number' ? raw.toFixed(4) : String(raw);
      const stderrKey = `${metric}_stderr,${filter}`;
      if (stderrKey in entry) {
        const se = entry[stderrKey];
        rows.push([name, version, filter, nShot, metric, arrow, value, '±', se === 'N/A' ? '   N/A' : (se as number).toFixed(4)]);
      } else {
        rows.push([name, version, filter, nShot, metric, arrow, value, '', '']);
      }
      name = '';
      version = '';
    }
  }
  return markdownTable([column === 'groups' ? 'Groups' : 'Tasks', ...HEADERS], rows);
}

function splitOnce(text: string, sep: string): [string, string] {
  const at = text.indexOf(sep);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}

/** A version cell: numbers as pytablewriter prints them (1.0 -> "1"), None, or the string itself. */
function pyStr(v: unknown): string {
  return v === null || v === undefined ? 'None' : String(v);
}

/** make_table's order and indentation: the group tree walked from its roots, children sorted, then the rest sorted. */
function hierarchy(subtasks: Record<string, string[]>, available: Set<string>): { depth: Map<string, number>; order: string[] } {
  const depth = new Map<string, number>();
  const order: string[] = [];
  const visit = (name: string, d: number): void => {
    depth.set(name, d);
    if (available.has(name)) order.push(name);
    for (const child of [...(subtasks[name] ?? [])].sort(pyCompare)) visit(child, d + 1);
  };
  const children = new Set(Object.values(subtasks).flat());
  for (const name of Object.keys(subtasks).sort(pyCompare)) if (!children.has(name)) visit(name, 0);
  for (const key of [...available].sort(pyCompare)) if (!depth.has(key)) order.push(key);
  return { depth, order };
}

/** Python's sorted() order on str: by code point. */
function pyCompare(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i].codePointAt(0)! - cb[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

/**
 * pytablewriter's MarkdownTableWriter.dumps() as make_table uses it: each column as wide as its widest
 * cell (at least 3; East Asian wide characters count 2), headers centred (Python's str.center),
 * numbers right-aligned and text left-aligned per cell, and a separator ending in ":" for columns
 * whose non-empty cells are all numbers.
 */
function markdownTable(headers: string[], rows: string[][]): string {
  const isNumber = (cell: string) => /^\s*-?\d+(\.\d+)?\s*$/.test(cell);
  // an empty cell does not make a column text (the continuation rows of a task leave Version empty)
  const numericColumn = headers.map((_, c) => rows.some((r) => r[c] !== '') && rows.every((r) => r[c] === '' || isNumber(r[c])));
  const widths = headers.map((h, c) => Math.max(3, cellWidth(h), ...rows.map((r) => cellWidth(r[c]))));
  const cell = (text: string, c: number): string => {
    const fill = ' '.repeat(widths[c] - cellWidth(text));
    return isNumber(text) ? fill + text : text + fill;
  };
  const header = headers.map((h, c) => pyCenter(h, widths[c]));
  const separator = widths.map((w, c) => (numericColumn[c] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)));
  const line = (cells: string[]) => `|${cells.join('|')}|`;
  return `${[line(header), line(separator), ...rows.map((r) => line(r.map(cell)))].join('\n')}\n`;
}

/** CPython's str.center: the odd space goes left only when both the margin and the width are odd. */
function pyCenter(text: string, width: number): string {
  const margin = width - cellWidth(text);
  if (margin <= 0) return text;
  const left = Math.floor(margin / 2) + (margin & width & 1);
  return ' '.repeat(left) + text + ' '.repeat(margin - left);
}

function cellWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return width;
}
