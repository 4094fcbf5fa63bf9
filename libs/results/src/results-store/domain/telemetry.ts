// What the dashboard stores besides results: the trainer's per-step metrics and the stages'
// accounting. Plain data and the decisions about it (checks, how retention thins a curve).
import { ResultsError } from './errors';
import { checkRunName } from './records';

/** One optimizer step (proto StepMetrics); (run, step) identifies it. Non-finite values are null. */
export interface TrainingStepRecord {
  run: string;
  step: number;
  tokensSeen: number;
  loss: number | null;
  lr: number | null;
  gradNorm: number | null;
  tokensPerSecond: number | null;
  atMs: number;
}

export type TrainingStepView = Omit<TrainingStepRecord, 'run'>;

export interface TrainingCurve {
  run: string;
  /** Steps kept in the database (retention thins long runs evenly). */
  points: TrainingStepView[];
}

/** What a stage counts (proto StageAccounting), for one process or summed over a stage's processes. */
export interface StageCounts {
  recordsIn: number;
  recordsOut: number;
  rejected: number;
  rejectedByRule: Record<string, number>;
  duplicates: number;
  deadLetters: number;
  /** Uncommitted input records of the stage's consumer group; null when unknown. */
  lag: number | null;
}

/** One stage process's cumulative counts. (stage, instance) identifies it. */
export interface StageAccountingRecord extends StageCounts {
  stage: string;
  instance: string;
  atMs: number;
}

/** A stage's totals: counts summed over its processes, lag from the latest report. */
export interface StageTotals extends StageCounts {
  stage: string;
  instances: number;
  updatedAt: string;
}

export interface TelemetryRetention {
  /** Steps kept per run; beyond it every other step is dropped (the curve keeps its shape). */
  maxStepsPerRun: number;
  /** Accounting of processes silent for longer than this is deleted. */
  accountingMaxAgeMs: number;
}

export const DEFAULT_TELEMETRY_RETENTION: TelemetryRetention = { maxStepsPerRun: 4096, accountingMaxAgeMs: 30 * 24 * 3600_000 };

const STAGE_NAME = /^[a-z0-9][a-z0-9_.\-]{0,99}$/;

function count(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw ResultsError.invalid(`${name} must be a non-negative integer, got ${value}`);
}

export function checkTrainingStep(r: TrainingStepRecord): void {
  checkRunName(r.run);
  count(`${r.run} step`, r.step);
  count(`${r.run}@${r.step} tokensSeen`, r.tokensSeen);
  count(`${r.run}@${r.step} atMs`, r.atMs);
}

export function checkStageAccounting(r: StageAccountingRecord): void {
  if (!STAGE_NAME.test(r.stage)) throw ResultsError.invalid(`stage name ${JSON.stringify(r.stage)} must be a lower-case name like "quality-filter"`);
  if (!r.instance || r.instance.length > 100) throw ResultsError.invalid(`stage ${r.stage}: instance must be 1-100 characters`);
  for (const key of ['atMs', 'recordsIn', 'recordsOut', 'rejected', 'duplicates', 'deadLetters'] as const) count(`stage ${r.stage} ${key}`, r[key]);
  for (const [rule, n] of Object.entries(r.rejectedByRule)) count(`stage ${r.stage} rule ${rule}`, n);
  if (r.lag !== null) count(`stage ${r.stage} lag`, r.lag);
}

/**
 * The stride that thins a curve to at most `max` points: the smallest power of two such that the
 * steps divisible by it number no more than `max`. `countDivisible(stride)` asks the database.
 */
export async function thinningStride(max: number, countDivisible: (stride: number) => Promise<number>): Promise<number> {
  let stride = 1;
  // 2^52 is beyond any step count; the bound keeps a broken count from looping forever.
  while (stride < 2 ** 52 && (await countDivisible(stride)) > max) stride *= 2;
  return stride;
}

/** The stages in the order documents flow through them, so a pipeline table reads from where documents enter. */
export const PIPELINE_STAGE_ORDER: readonly string[] = ['ingest', 'quality-filter', 'dedup', 'packer', 'trainer', 'evaluator'];

/** Pipeline order; stages it does not know come after, by name. */
export function byPipelineOrder(a: string, b: string): number {
  const rank = (stage: string) => (PIPELINE_STAGE_ORDER.includes(stage) ? PIPELINE_STAGE_ORDER.indexOf(stage) : PIPELINE_STAGE_ORDER.length);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** Sums one stage's process rows; the lag is the most recent report's. */
export function stageTotals(stage: string, rows: StageAccountingRecord[]): StageTotals {
  const latest = rows.reduce((a, b) => (b.atMs > a.atMs ? b : a));
  const sum = (key: 'recordsIn' | 'recordsOut' | 'rejected' | 'duplicates' | 'deadLetters') => rows.reduce((n, r) => n + r[key], 0);
  const rejectedByRule: Record<string, number> = {};
  for (const r of rows) for (const [rule, n] of Object.entries(r.rejectedByRule)) rejectedByRule[rule] = (rejectedByRule[rule] ?? 0) + n;
  return {
    stage,
    instances: rows.length,
    updatedAt: new Date(latest.atMs).toISOString(),
    recordsIn: sum('recordsIn'),
    recordsOut: sum('recordsOut'),
    rejected: sum('rejected'),
    rejectedByRule,
    duplicates: sum('duplicates'),
    deadLetters: sum('deadLetters'),
    lag: latest.lag,
  };
}
