// The lm-evaluation-harness reference recorded by fixtures/make_lm_eval_reference.py, and a check of
// any LogLikelihoodModel against it (the engine's forward pass plugs in here; see README.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinTasks, mmluGroup } from '../builtin-tasks';
import { loadTaskDocs } from '../evaluate';
import { aggregateGroup, TaskScore } from '../metrics';
import { buildRequests, encodeRequests } from '../requests';
import { aggregateSamples, LogLikelihoodModel, ScoreOptions, ScoreRequest, ScoreResult, scoreDocuments, scoreRequests } from '../scorer';
import { HfTokenizer, Tokenizer } from '@cptflow/model';

/** libs/evaluation/fixtures/eval, found from the compiled (dist/libs/evaluation/src/eval) or source location. */
export function fixturesDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = path.join(dir, 'libs', 'evaluation', 'fixtures', 'eval');
    if (fs.existsSync(path.join(candidate, 'reference'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`libs/evaluation/fixtures/eval not found above ${__dirname}`);
    dir = parent;
  }
}

export interface ReferenceRequest {
  task: string;
  doc_id: number;
  idx: number;
  context: string;
  continuation: string;
  context_ids: number[];
  continuation_ids: number[];
  logprob: number;
  is_greedy: boolean;
}

export interface ReferenceSample {
  doc_id: number;
  target: string | number;
  logprobs: number[];
  pred: number;
  acc: number;
  pred_norm?: number;
  acc_norm?: number;
}

export interface ReferenceTask {
  requests: ReferenceRequest[];
  samples: ReferenceSample[];
  metrics: Record<string, number>;
  n: number;
  version: number | string | null;
  num_fewshot: number;
}

export interface LmEvalReference {
  lm_eval_version: string;
  max_length: number;
  fewshot_random_seed: number;
  runs: Record<string, Record<string, ReferenceTask | Record<string, number>>>;
  rolling: {
    max_length: number;
    prefix_token_id: number;
    docs: { text: string; token_ids: number[]; windows: { context_ids: number[]; continuation_ids: number[]; logprob: number }[]; total_logprob: number }[];
  };
}

export function loadReference(dir: string = fixturesDir()): LmEvalReference {
  return JSON.parse(fs.readFileSync(path.join(dir, 'reference', 'lm_eval_reference.json'), 'utf8')) as LmEvalReference;
}

/** Answers with the log-likelihoods the harness's model produced for the same token ids. */
export class ReplayModel implements LogLikelihoodModel {
  private readonly table = new Map<string, ScoreResult>();
  readonly batches: ScoreRequest[][] = [];

  constructor(entries: { context_ids: number[]; continuation_ids: number[]; logprob: number; is_greedy?: boolean }[], readonly maxLength?: number) {
    for (const e of entries) this.table.set(ReplayModel.key(e.context_ids, e.continuation_ids), { logprob: e.logprob, isGreedy: e.is_greedy ?? false });
  }

  static key(ctx: number[], cont: number[]): string {
    return `${ctx.join(',')}|${cont.join(',')}`;
  }

  scoreBatch(requests: ScoreRequest[]): ScoreResult[] {
    this.batches.push(requests);
    return requests.map((r) => {
      const hit = this.table.get(ReplayModel.key(r.contextIds, r.continuationIds));
      if (!hit) throw new Error(`no recorded log-likelihood for request ${ReplayModel.key(r.contextIds, r.continuationIds).slice(0, 120)}`);
      return hit;
    });
  }
}

/** The leaf tasks and MMLU subjects present in the fixture. */
export const REFERENCE_TASKS = [
  'arc_easy', 'arc_challenge', 'hellaswag', 'winogrande', 'boolq', 'piqa',
  'mmlu_abstract_algebra', 'mmlu_high_school_government_and_politics', 'mmlu_world_religions',
] as const;
const REFERENCE_MMLU_SUBJECTS = ['abstract_algebra', 'high_school_government_and_politics', 'world_religions'];

export interface TaskParity {
  task: string;
  numFewshot: number;
  requests: number;
  /** Requests whose prompt strings or token ids differ from the harness's (must be 0). */
  requestMismatches: number;
  /** max |our model's logprob - the harness model's logprob| over the task's requests. */
  maxAbsLogprobDiff: number;
  samples: number;
  /** Samples whose pred (and pred_norm where reported) equal the harness's. */
  identicalPredictions: number;
  ours: TaskScore;
  harness: Record<string, number>;
}

export interface ParityReport {
  tasks: TaskParity[];
  groups: { task: string; numFewshot: number; ours: TaskScore; harness: Record<string, number> }[];
  /** identical per-sample predictions / samples over every task and run (1.0 = full parity). */
  identicalPredictionShare: number;
  maxAbsLogprobDiff: number;
}

/**
 * Runs the fixture tasks (0- and 2-shot; ARC and MMLU also 5-shot) through `model` with our request building and scorer, and
 * compares with what lm-evaluation-harness recorded for its HF model on fixtures/model: prompts, token
 * ids, log-likelihoods, per-sample predictions and metrics.
 */
export async function compareWithReference(model: LogLikelihoodModel, options: { dir?: string; tokenizer?: Tokenizer; score?: ScoreOptions } = {}): Promise<ParityReport> {
  const dir = options.dir ?? fixturesDir();
  const reference = loadReference(dir);
  const tokenizer = options.tokenizer ?? HfTokenizer.fromFile(path.join(dir, 'model', 'tokenizer.json'));
  const tasks = builtinTasks();
  const report: ParityReport = { tasks: [], groups: [], identicalPredictionShare: 0, maxAbsLogprobDiff: 0 };
  let samplesTotal = 0;
  let identicalTotal = 0;
  for (const [shotsKey, run] of Object.entries(reference.runs)) {
    const numFewshot = Number(shotsKey);
    const scores: TaskScore[] = [];
    for (const name of REFERENCE_TASKS) {
      const ref = run[name] as ReferenceTask | undefined;
      if (!ref) continue; // the 5-shot run covers ARC and MMLU only (the others' fixture pools are smaller)
      const task = tasks.get(name)!;
      const docs = await loadTaskDocs(path.join(dir, 'data'), task, { numFewshot });
      const built = buildRequests(task, docs.evalDocs, { numFewshot, fewshotDocs: docs.fewshotDocs, fewshotSeed: reference.fewshot_random_seed });
      const requests = built.flatMap((d) => d.requests);
      const encoded = await encodeRequests(tokenizer, requests);
      const theirs = [...ref.requests].sort((a, b) => a.doc_id - b.doc_id || a.idx - b.idx);
      let requestMismatches = Math.abs(theirs.length - requests.length);
      requests.forEach((r, i) => {
        const t = theirs[i];
        const same = t && r.context === t.context && r.continuation === t.continuation &&
          encoded[i].contextIds.join() === t.context_ids.join() && encoded[i].continuationIds.join() === t.continuation_ids.join();
        if (!same) requestMismatches++;
      });
      const results = await scoreRequests(model, encoded, options.score);
      let maxAbsLogprobDiff = 0;
      results.forEach((res, i) => {
        if (theirs[i]) maxAbsLogprobDiff = Math.max(maxAbsLogprobDiff, Math.abs(res.logprob - theirs[i].logprob));
      });
      const samples = scoreDocuments(built, results);
      let identicalPredictions = 0;
      for (const s of ref.samples) {
        const ours = samples[s.doc_id];
        if (ours && ours.pred === s.pred && (s.pred_norm === undefined || ours.predNorm === s.pred_norm)) identicalPredictions++;
      }
      const ours = aggregateSamples(task.name, task.metrics, samples);
      scores.push(ours);
      samplesTotal += ref.samples.length;
      identicalTotal += identicalPredictions;
      report.maxAbsLogprobDiff = Math.max(report.maxAbsLogprobDiff, maxAbsLogprobDiff);
      report.tasks.push({ task: name, numFewshot, requests: requests.length, requestMismatches, maxAbsLogprobDiff, samples: ref.samples.length, identicalPredictions, ours, harness: ref.metrics });
    }
    if (run.__mmlu_group__) report.groups.push({ task: 'mmlu', numFewshot, ours: aggregateGroup(mmluGroup(REFERENCE_MMLU_SUBJECTS), scores), harness: run.__mmlu_group__ as Record<string, number> });
  }
  report.identicalPredictionShare = identicalTotal / samplesTotal;
  return report;
}
