import { mean, meanStderr, TaskScore } from './metrics';
import { pyLen, utf8ByteLength } from '@cptflow/pycompat';
import { DocRequests } from './requests';
import { MetricName } from './task-definition';

export interface ScoreRequest {
  contextIds: number[];
  continuationIds: number[];
}

export interface ScoreResult {
  /** Σ log p(continuation token | everything before it). */
  logprob: number;
  /** Whether every continuation token is the model's argmax. */
  isGreedy: boolean;
}

/**
 * What a model must provide to be evaluated. The scorer only sends requests whose
 * contextIds ++ continuationIds fit in maxLength + 1 tokens (it left-truncates the context like
 * HFLM._loglikelihood_tokens); the model feeds (contextIds ++ continuationIds)[:-1] and sums the
 * log-softmax at the continuation positions. Requests of one batch come sorted by length, longest
 * first, with equal contexts adjacent, so an implementation can run one forward pass per distinct
 * context + continuation[:-1] (the harness's logits cache: MMLU's four letters cost one pass).
 */
export interface LogLikelihoodModel {
  /** Longest input the model takes; undefined = no truncation. */
  readonly maxLength?: number;
  scoreBatch(requests: ScoreRequest[]): Promise<ScoreResult[]> | ScoreResult[];
}

export interface ScoreOptions {
  /** Requests per scoreBatch call (default 32). */
  batchSize?: number;
  /** Called after each batch with (scored, total) distinct requests. */
  onProgress?: (done: number, total: number) => void;
}

/** HFLM's truncation: keep the last maxLength + 1 tokens of context ++ continuation. */
export function truncateForModel(request: ScoreRequest, maxLength: number | undefined): ScoreRequest {
  if (maxLength === undefined) return request;
  const cont = request.continuationIds;
  if (cont.length > maxLength) throw new Error(`continuation of ${cont.length} tokens exceeds the model's max length ${maxLength}`);
  const room = maxLength + 1 - cont.length;
  const ctx = request.contextIds;
  return ctx.length <= room ? request : { contextIds: ctx.slice(ctx.length - room), continuationIds: cont };
}

function requestKey(r: ScoreRequest): string {
  return `${r.contextIds.join(',')}|${r.continuationIds.join(',')}`;
}

function compareIds(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function modelInput(r: ScoreRequest): number[] {
  return [...r.contextIds, ...r.continuationIds].slice(0, -1);
}

/**
 * Requests whose model input (context ++ continuation minus its last token) is identical need one
 * forward pass between them: each reads its log-probs from the last continuation-length positions of
 * the same logits. This is the harness's logits cache (Collator group_by="contexts", v0.4.2+).
 */
export interface SharedInputGroup {
  input: number[];
  /** Indices into the batch. */
  members: number[];
}

/** Groups a batch (as scoreBatch receives it) by shared model input, in first-appearance order. */
export function groupBySharedInput(batch: readonly ScoreRequest[]): SharedInputGroup[] {
  const groups = new Map<string, SharedInputGroup>();
  batch.forEach((r, i) => {
    const input = modelInput(r);
    const key = input.join(',');
    const group = groups.get(key);
    if (group) group.members.push(i);
    else groups.set(key, { input, members: [i] });
  });
  return [...groups.values()];
}

/**
 * Scores requests through the model: identical requests are scored once; the distinct ones are
 * ordered longest first (the harness's Collator order, so a batch pads little), lexicographically
 * within a length so that requests sharing a model input are adjacent, and cut into batches of up to
 * batchSize requests that never split such a group (unless the group alone exceeds batchSize).
 * Results come back in the order of `requests`.
 */
export async function scoreRequests(model: LogLikelihoodModel, requests: readonly ScoreRequest[], options: ScoreOptions = {}): Promise<ScoreResult[]> {
  const batchSize = options.batchSize ?? 32;
  const distinct = new Map<string, { request: ScoreRequest; sequence: number[]; result?: ScoreResult }>();
  const keys = requests.map((r) => {
    const truncated = truncateForModel(r, model.maxLength);
    const key = requestKey(truncated);
    if (!distinct.has(key)) distinct.set(key, { request: truncated, sequence: [...truncated.contextIds, ...truncated.continuationIds] });
    return key;
  });
  const order = [...distinct.values()].sort((a, b) => b.sequence.length - a.sequence.length || compareIds(a.sequence, b.sequence));
  const batches: (typeof order)[] = [];
  let current: typeof order = [];
  let start = 0;
  while (start < order.length) {
    // the run of requests sharing one model input: same length and same sequence up to the last token
    let end = start + 1;
    const input = order[start].sequence;
    while (end < order.length && order[end].sequence.length === input.length && compareIds(order[end].sequence.slice(0, -1), input.slice(0, -1)) === 0) end++;
    const run = order.slice(start, end);
    if (current.length > 0 && current.length + run.length > batchSize) {
      batches.push(current);
      current = [];
    }
    for (const entry of run) {
      if (current.length === batchSize) {
        batches.push(current);
        current = [];
      }
      current.push(entry);
    }
    start = end;
  }
  if (current.length > 0) batches.push(current);
  let done = 0;
  for (const batch of batches) {
    const results = await model.scoreBatch(batch.map((e) => e.request));
    if (results.length !== batch.length) throw new Error(`model returned ${results.length} results for ${batch.length} requests`);
    batch.forEach((entry, i) => (entry.result = results[i]));
    done += batch.length;
    options.onProgress?.(done, order.length);
  }
  return keys.map((key) => distinct.get(key)!.result!);
}

/** One evaluated document's outcome. */
export interface SampleResult {
  docIndex: number;
  gold: number;
  logprobs: number[];
  isGreedy: boolean[];
  /** argmax of logprobs (first index on ties, as numpy.argmax). */
  pred: number;
  /** argmax of logprob / len(choice) in Unicode characters (the harness's acc_norm). */
  predNorm: number;
  /** argmax of logprob / UTF-8 bytes of the choice (the harness's acc_bytes). */
  predBytes: number;
  acc: number;
  accNorm: number;
  accBytes: number;
}

function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    // numpy.argmax returns the first NaN if there is one
    if (Number.isNaN(values[best])) return best;
    if (values[i] > values[best] || Number.isNaN(values[i])) best = i;
  }
  return best;
}

/**
 * process_results for multiple choice (lm_eval/api/task.py): acc = argmax(ll) == gold; acc_norm
 * divides each ll by len(choice) in characters (the choice string without the target delimiter; for
 * multiple-input tasks the filled-in contexts); acc_bytes by its UTF-8 length.
 */
export function scoreDocument(doc: DocRequests, results: readonly ScoreResult[]): SampleResult {
  const logprobs = results.map((r) => r.logprob);
  const charLens = doc.choices.map(pyLen);
  const byteLens = doc.choices.map(utf8ByteLength);
  const pred = argmax(logprobs);
  const predNorm = argmax(logprobs.map((ll, i) => ll / charLens[i]));
  const predBytes = argmax(logprobs.map((ll, i) => ll / byteLens[i]));
  return {
    docIndex: doc.docIndex,
    gold: doc.gold,
    logprobs,
    isGreedy: results.map((r) => r.isGreedy),
    pred,
    predNorm,
    predBytes,
    acc: pred === doc.gold ? 1 : 0,
    accNorm: predNorm === doc.gold ? 1 : 0,
    accBytes: predBytes === doc.gold ? 1 : 0,
  };
}

/** Splits flat per-request results back per document and scores each. */
export function scoreDocuments(docs: readonly DocRequests[], results: readonly ScoreResult[]): SampleResult[] {
  let at = 0;
  return docs.map((doc) => {
    const mine = results.slice(at, at + doc.requests.length);
    at += doc.requests.length;
    if (mine.length !== doc.requests.length) throw new Error(`missing results for document ${doc.docIndex}`);
    return scoreDocument(doc, mine);
  });
}

const SAMPLE_FIELD: Record<MetricName, keyof SampleResult> = { acc: 'acc', acc_norm: 'accNorm', acc_bytes: 'accBytes' };

/** Task-level metrics: mean and harness stderr of each requested per-sample metric. */
export function aggregateSamples(task: string, metrics: readonly MetricName[], samples: readonly SampleResult[]): TaskScore {
  const out: TaskScore['metrics'] = {};
  for (const metric of metrics) {
    const values = samples.map((s) => s[SAMPLE_FIELD[metric]] as number);
    out[metric] = { value: mean(values), stderr: meanStderr(values) };
  }
  return { task, n: samples.length, metrics: out };
}

