// Score deltas between two checkpoints: what "did continued pre-training help or hurt this task" means.
import type { CheckpointView, Comparison, EvaluationSettings, ScoreDelta, TaskMetric, TaskResultView } from './types';

/**
 * Standard error of a difference of two independent means: sqrt(se_a^2 + se_b^2).
 * Both checkpoints are scored on the same documents, so the paired standard error would be smaller;
 * treating them as independent is the conservative choice and needs only the stored aggregates.
 */
export function combinedStderr(a: number | null, b: number | null): number | null {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  return Math.sqrt(a * a + b * b);
}

/**
 * Whether two results were scored the same way: same shots, same share of the split, same harness and
 * same task version. The evaluator re-scores a stored result whose settings differ (a bumped task version
 * included); a comparison flags the pair.
 */
export function sameSettings(a: EvaluationSettings, b: EvaluationSettings): boolean {
  return (
    a.numFewshot === b.numFewshot &&
    (a.limit ?? null) === (b.limit ?? null) &&
    a.harnessVersion === b.harnessVersion &&
    (a.taskVersion ?? null) === (b.taskVersion ?? null)
  );
}

function key(r: TaskMetric): string {
  return `${r.task}\u0000${r.metric}`;
}

function byTaskThenMetric(a: TaskMetric, b: TaskMetric): number {
  return a.task < b.task ? -1 : a.task > b.task ? 1 : a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0;
}

export function scoreDelta(baseline: TaskResultView, result: TaskResultView): ScoreDelta {
  const delta = result.value - baseline.value;
  const stderr = combinedStderr(baseline.stderr, result.stderr);
  return {
    task: result.task,
    metric: result.metric,
    baseline: baseline.value,
    value: result.value,
    delta,
    stderr,
    z: stderr !== null && stderr > 0 ? delta / stderr : null,
    settingsDiffer: !sameSettings(baseline.settings, result.settings),
  };
}

/** Pairs the results of two checkpoints by (task, metric); unpaired ones are listed, not dropped. */
export function compareResults(
  baseline: CheckpointView,
  baselineResults: TaskResultView[],
  checkpoint: CheckpointView,
  checkpointResults: TaskResultView[],
): Comparison {
  const baselineByKey = new Map(baselineResults.map((r) => [key(r), r]));
  const checkpointKeys = new Set(checkpointResults.map(key));
  const deltas: ScoreDelta[] = [];
  const onlyInCheckpoint: TaskMetric[] = [];
  for (const result of checkpointResults) {
    const before = baselineByKey.get(key(result));
    if (before) deltas.push(scoreDelta(before, result));
    else onlyInCheckpoint.push({ task: result.task, metric: result.metric });
  }
  const onlyInBaseline = baselineResults
    .filter((r) => !checkpointKeys.has(key(r)))
    .map((r) => ({ task: r.task, metric: r.metric }));
  return {
    baseline,
    checkpoint,
    deltas: deltas.sort(byTaskThenMetric),
    onlyInBaseline: onlyInBaseline.sort(byTaskThenMetric),
    onlyInCheckpoint: onlyInCheckpoint.sort(byTaskThenMetric),
  };
}
