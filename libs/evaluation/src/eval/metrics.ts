// Aggregation exactly as lm_eval/api/metrics.py (v0.4.x): the same formulas in the same floating-point
// order, so values match the harness to the last bit.
import { MetricName, TaskGroupDefinition } from './task-definition';

/** metrics.mean: sum(arr) / len(arr), summed left to right like Python's sum. */
export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** metrics.mean_stderr: sample standard deviation (n-1) / sqrt(n); null where the harness reports "N/A" (n <= 1). */
export function meanStderr(values: readonly number[]): number | null {
  if (values.length <= 1) return null;
  const mu = mean(values);
  let sq = 0;
  for (const v of values) sq += (v - mu) ** 2;
  return Math.sqrt(sq / (values.length - 1)) / Math.sqrt(values.length);
}

export interface MetricValue {
  value: number;
  stderr: number | null;
}

export interface TaskScore {
  task: string;
  /** Number of evaluated documents. */
  n: number;
  metrics: Partial<Record<MetricName, MetricValue>>;
}

/**
 * A group's score over its leaf tasks (evaluator/group aggregation, aggregate_metric_list):
 * value = Σ v_i·n_i / Σ n_i (weight_by_size) or the plain mean of the v_i; stderr =
 * pooled_sample_stderr sqrt(Σ(n_i-1)·se_i²·n_i / (Σn_i - k) / Σn_i) when weighting by size, else
 * unweighted_mean_stderr sqrt(Σ se_i²) / k (v0.4.13; earlier 0.4.x used the pooled form for both).
 */
export function aggregateGroup(group: TaskGroupDefinition, scores: readonly TaskScore[]): TaskScore {
  const byName = new Map(scores.map((s) => [s.task, s]));
  const members = group.tasks.map((t) => byName.get(t)).filter((s): s is TaskScore => s !== undefined);
  if (members.length === 0) throw new Error(`group ${group.name}: none of its tasks has a score`);
  const metrics: TaskScore['metrics'] = {};
  for (const metric of group.metrics) {
    const withMetric = members.filter((m) => m.metrics[metric] !== undefined);
    if (withMetric.length === 0) continue;
    const values = withMetric.map((m) => m.metrics[metric]!.value);
    const sizes = withMetric.map((m) => m.n);
    const weights = group.weightBySize ? sizes : sizes.map(() => 1);
    let weighted = 0;
    let weightSum = 0;
    values.forEach((v, i) => {
      weighted += v * weights[i];
      weightSum += weights[i];
    });
    const stderrs = withMetric.map((m) => m.metrics[metric]!.stderr);
    let stderr: number | null = null;
    if (stderrs.every((s): s is number => s !== null)) {
      stderr = group.weightBySize ? pooledSampleStderr(stderrs, sizes) : unweightedMeanStderr(stderrs);
    }
    metrics[metric] = { value: weighted / weightSum, stderr };
  }
  return { task: group.name, n: members.reduce((a, m) => a + m.n, 0), metrics };
}

export function pooledSampleStderr(stderrs: readonly number[], sizes: readonly number[]): number {
  let num = 0;
  let total = 0;
  stderrs.forEach((se, i) => {
    num += (sizes[i] - 1) * se ** 2 * sizes[i];
    total += sizes[i];
  });
  return Math.sqrt(num / (total - sizes.length) / total);
}

export function unweightedMeanStderr(stderrs: readonly number[]): number {
  let sq = 0;
  for (const se of stderrs) sq += se ** 2;
  return Math.sqrt(sq) / stderrs.length;
}
