// Checks on what is about to be stored, so a bad record fails loudly with the field that is wrong
// instead of landing in the database as NaN or a truncated string.
import { ResultsError } from './errors';
import type { CheckpointRecord, SampleRecord, TaskResultRecord } from './types';

export const MAX_NAME_LENGTH = 200;
export const MAX_PATH_LENGTH = 1024;
/** Row ids are 32-bit integer columns: PostgreSQL refuses a larger id in a query outright, rather than finding nothing. */
export const MAX_ROW_ID = 2_147_483_647;
/** Harness task and metric names: lower-case identifiers ("arc_easy", "mmlu_high_school_physics", "acc_norm"). */
const NAME_PATTERN = /^[a-z0-9][a-z0-9_.\-]*$/;

function fail(what: string, message: string): never {
  throw ResultsError.invalid(`${what}: ${message}`);
}

function nonNegativeInteger(what: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    fail(what, `${field} must be a non-negative integer (got ${String(value)})`);
  }
}

function finite(what: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(what, `${field} must be a finite number (got ${String(value)})`);
}

/** PostgreSQL text cannot hold NUL (SQLite can): refused on both, so both behave alike. */
function hasNul(text: string): boolean {
  return text.includes('\u0000');
}

export function checkRunName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH || name.trim() !== name || hasNul(name)) {
    fail('run', `name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters without surrounding spaces or NUL (got ${JSON.stringify(name)})`);
  }
  return name;
}

export function checkTaskMetric(task: unknown, metric: unknown): void {
  if (typeof task !== 'string' || task.length > MAX_NAME_LENGTH || !NAME_PATTERN.test(task)) {
    fail('task result', `task must be a harness task name like "arc_easy" (got ${JSON.stringify(task)})`);
  }
  if (typeof metric !== 'string' || metric.length > 64 || !NAME_PATTERN.test(metric)) {
    fail('task result', `metric must be a metric name like "acc" or "acc_norm" (got ${JSON.stringify(metric)})`);
  }
}

export function checkCheckpoint(record: CheckpointRecord): void {
  const what = `checkpoint ${record.run}@${record.step}`;
  checkRunName(record.run);
  nonNegativeInteger(what, 'step', record.step);
  nonNegativeInteger(what, 'tokensSeen', record.tokensSeen);
  if (typeof record.path !== 'string' || record.path.length > MAX_PATH_LENGTH || hasNul(record.path)) fail(what, `path must be a string of at most ${MAX_PATH_LENGTH} characters without NUL`);
  if (record.hfPath != null && (typeof record.hfPath !== 'string' || record.hfPath.length > MAX_PATH_LENGTH || hasNul(record.hfPath))) {
    fail(what, `hfPath must be a string of at most ${MAX_PATH_LENGTH} characters without NUL`);
  }
  if (record.loss != null) finite(what, 'loss', record.loss);
  if (typeof record.isBase !== 'boolean') fail(what, 'isBase must be a boolean');
  if (record.createdAtMs !== undefined) nonNegativeInteger(what, 'createdAtMs', record.createdAtMs);
}

function checkSample(what: string, sample: SampleRecord): void {
  nonNegativeInteger(what, 'sample docIndex', sample.docIndex);
  const where = `${what} doc ${sample.docIndex}`;
  nonNegativeInteger(where, 'predicted', sample.predicted);
  nonNegativeInteger(where, 'gold', sample.gold);
  if (typeof sample.correct !== 'boolean') fail(where, 'correct must be a boolean');
  if (!Array.isArray(sample.logprobs)) fail(where, 'logprobs must be an array of numbers');
  // -Infinity is a legitimate log-likelihood (a token with zero probability); NaN never is.
  if (sample.logprobs.some((x) => typeof x !== 'number' || Number.isNaN(x))) fail(where, 'logprobs must be numbers');
  if (sample.requests !== undefined) {
    const ok = Array.isArray(sample.requests) && sample.requests.length === sample.logprobs.length &&
      sample.requests.every((r) => r !== null && typeof r === 'object' && typeof r.context === 'string' && typeof r.continuation === 'string');
    if (!ok) fail(where, 'requests must be one {context, continuation} pair of strings per log-likelihood');
  }
}

export function checkTaskResult(record: TaskResultRecord): void {
  checkTaskMetric(record.task, record.metric);
  const what = `task result ${record.task}/${record.metric}`;
  finite(what, 'value', record.value);
  if (record.stderr !== null) finite(what, 'stderr', record.stderr);
  nonNegativeInteger(what, 'n', record.n);
  const s = record.settings;
  if (typeof s !== 'object' || s === null) fail(what, 'settings must be an object');
  nonNegativeInteger(what, 'settings.numFewshot', s.numFewshot);
  if (s.limit !== null) finite(what, 'settings.limit', s.limit);
  if (typeof s.harnessVersion !== 'string' || s.harnessVersion.length === 0) fail(what, 'settings.harnessVersion must be a non-empty string');
  if (record.samples) {
    const seen = new Set<number>();
    for (const sample of record.samples) {
      checkSample(what, sample);
      if (seen.has(sample.docIndex)) fail(what, `sample docIndex ${sample.docIndex} appears twice`);
      seen.add(sample.docIndex);
    }
  }
}
