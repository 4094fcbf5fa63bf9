// What `cptflow run` shows at the end: a summary table on the terminal, and report.html — the
// dashboard page (libs/results/src/report) with the run's curves, scores and pipeline accounting embedded.
import type { LocalTrainingResult } from '@cptflow/local-run';
import {
  buildDashboardData,
  renderDashboardPage,
  renderTextTable,
  type Table,
  type ResultsService,
  type ResultsStore,
  type TaskResultView,
} from '@cptflow/results';

export interface ArmResult {
  run: string;
  replay: number;
  training: LocalTrainingResult;
}

export interface CheckpointScores {
  step: number;
  tokensSeen: number;
  isBase: boolean;
  /** task -> metric -> value (perplexity sets use token_perplexity etc.; benchmarks acc / acc_norm). */
  scores: Map<string, Map<string, number>>;
}

export interface RunResults {
  run: string;
  checkpoints: CheckpointScores[];
}

const PERPLEXITY = 'token_perplexity';

/**
 * Waits until the evaluator has stored results for every checkpoint of every run (the base included)
 * and for every named task, then reads them back in token order.
 */
export async function collectRunResults(results: ResultsService, runs: string[], expectedCheckpoints: number, tasks: string[], timeoutMs = 15 * 60_000): Promise<RunResults[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const collected: RunResults[] = [];
    let trained = 0;
    let complete = true;
    for (const run of runs) {
      const page = await results.listCheckpoints(run, 1, 500).catch(() => null);
      const checkpoints: CheckpointScores[] = [];
      for (const view of page?.items ?? []) {
        const stored = await results.resultsOf(view.id);
        const scores = scoresOf(stored.results);
        if (!tasks.every((t) => scores.has(t))) complete = false;
        if (!view.isBase) trained++;
        checkpoints.push({ step: view.step, tokensSeen: view.tokensSeen, isBase: view.isBase, scores });
      }
      if (!checkpoints.some((c) => c.isBase)) complete = false;
      checkpoints.sort((a, b) => a.tokensSeen - b.tokensSeen || Number(b.isBase) - Number(a.isBase));
      collected.push({ run, checkpoints });
    }
    if (complete && trained >= expectedCheckpoints) return collected;
    if (Date.now() > deadline) throw new Error(`evaluations incomplete after ${timeoutMs / 1000} s (${trained}/${expectedCheckpoints} checkpoints)`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function scoresOf(results: TaskResultView[]): Map<string, Map<string, number>> {
  const scores = new Map<string, Map<string, number>>();
  for (const r of results) {
    const byMetric = scores.get(r.task) ?? new Map<string, number>();
    byMetric.set(r.metric, r.value);
    scores.set(r.task, byMetric);
  }
  return scores;
}

function score(c: CheckpointScores | undefined, task: string, metric: string): number {
  return c?.scores.get(task)?.get(metric) ?? NaN;
}

function percentChange(from: number, to: number): string {
  if (!Number.isFinite(from) || !Number.isFinite(to)) return 'n/a';
  const change = ((to - from) / from) * 100;
  return `${change >= 0 ? '+' : ''}${change.toFixed(1)}%`;
}

export function runSummaryTable(arms: ArmResult[], runs: RunResults[]): string {
  const rows = arms.map((arm) => {
    const r = runs.find((x) => x.run === arm.run)!;
    const base = r.checkpoints.find((c) => c.isBase);
    const last = r.checkpoints.filter((c) => !c.isBase).at(-1);
    const firstLoss = arm.training.lossCurve[0]?.[1] ?? NaN;
    const domainBase = score(base, 'heldout_domain', PERPLEXITY);
    const domainLast = score(last, 'heldout_domain', PERPLEXITY);
    const generalBase = score(base, 'heldout_general', PERPLEXITY);
    const generalLast = score(last, 'heldout_general', PERPLEXITY);
    return [
      arm.run,
      `${(arm.replay * 100).toFixed(0)}%`,
      arm.training.status.tokensSeen,
      `${firstLoss.toFixed(3)} -> ${(arm.training.status.loss ?? NaN).toFixed(3)}`,
      `${domainBase.toFixed(1)} -> ${domainLast.toFixed(1)} (${percentChange(domainBase, domainLast)})`,
      `${generalBase.toFixed(1)} -> ${generalLast.toFixed(1)} (${percentChange(generalBase, generalLast)})`,
    ];
  });
  const table = renderTextTable({
    title: 'Continued pre-training (held-out token perplexity, base -> last checkpoint)',
    columns: ['run', 'replay', 'tokens', 'train loss', 'domain perplexity', 'general perplexity'],
    rows,
  });
  return `${table}\n${replayVerdict(arms, runs)}`;
}

/** One sentence on what replay did to forgetting of general text. */
function replayVerdict(arms: ArmResult[], runs: RunResults[]): string {
  const withReplay = arms.find((a) => a.replay > 0);
  const without = arms.find((a) => a.replay === 0);
  if (!withReplay || !without) return '';
  const generalRise = (run: string) => {
    const r = runs.find((x) => x.run === run)!;
    const base = score(r.checkpoints.find((c) => c.isBase), 'heldout_general', PERPLEXITY);
    const last = score(r.checkpoints.filter((c) => !c.isBase).at(-1), 'heldout_general', PERPLEXITY);
    return ((last - base) / base) * 100;
  };
  const a = generalRise(withReplay.run);
  const b = generalRise(without.run);
  return `General-text perplexity changed ${a.toFixed(1)}% with ${(withReplay.replay * 100).toFixed(0)}% replay and ${b.toFixed(1)}% without: replay ${a < b ? `reduced forgetting by ${(b - a).toFixed(1)} points` : 'did not reduce forgetting in this run'}.`;
}

/** The benchmark scores `cptflow run` prints after its perplexity summary (null without task results). */
export function benchmarkSummaryTable(runs: RunResults[]): string | null {
  const table = benchmarkTable(runs);
  return table ? renderTextTable(table) : null;
}

function benchmarkTable(runs: RunResults[]): Table | null {
  const rows: Array<Array<string | number>> = [];
  for (const r of runs) {
    const base = r.checkpoints.find((c) => c.isBase);
    const last = r.checkpoints.filter((c) => !c.isBase).at(-1);
    for (const [task, metrics] of last?.scores ?? []) {
      if (task.startsWith('heldout_')) continue;
      for (const metric of ['acc', 'acc_norm']) {
        const value = metrics.get(metric);
        if (value === undefined) continue;
        const before = score(base, task, metric);
        rows.push([r.run, task, metric, before, value, value - before]);
      }
    }
  }
  return rows.length ? { title: 'Benchmarks (base -> last checkpoint)', columns: ['run', 'task', 'metric', 'base', 'last', 'delta'], rows } : null;
}

/**
 * report.html: the evaluator's dashboard page with this run's data embedded, so the report and the
 * live page are drawn the same way. Waits (briefly) until the evaluator has stored the trainers'
 * last steps, which travel on the bus like everything else.
 */
export async function renderRunReport(store: ResultsStore, arms: ArmResult[], title: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (const arm of arms) {
    for (;;) {
      const { points } = await store.telemetry.trainingCurveOrEmpty(arm.run);
      if ((points.at(-1)?.step ?? 0) >= arm.training.status.step || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return renderDashboardPage({ mode: 'static', data: await buildDashboardData(store.results, store.telemetry) }, title);
}
