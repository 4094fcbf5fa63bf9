// Everything the dashboard draws, in one JSON document: the runs with their training curves and
// evaluated checkpoints (scores, stderr, change against the run's base), and the pipeline's
// accounting. The evaluator serves it at GET /dashboard/data; `cptflow run` embeds it in its report.
import { BASE, ResultsError, type ResultsService, type StageTotals, type TelemetryService, type TrainingStepView } from '../results-store';

export interface DashboardScore {
  task: string;
  metric: string;
  value: number;
  stderr: number | null;
  n: number;
  /** value − the base checkpoint's value for the same task and metric; null without a base score. */
  delta: number | null;
  /** sqrt(se_base² + se²), null when either has none. */
  deltaStderr: number | null;
}

export interface DashboardCheckpoint {
  id: number;
  step: number;
  tokensSeen: number;
  isBase: boolean;
  loss: number | null;
  createdAt: string;
  scores: DashboardScore[];
}

export interface DashboardRun {
  name: string;
  /** Steps as the trainer published them (thinned evenly by the store's retention). */
  training: TrainingStepView[];
  /** By tokens seen, the base first. */
  checkpoints: DashboardCheckpoint[];
}

export interface DashboardData {
  generatedAt: string;
  /** The run asked for, or null for all runs. */
  run: string | null;
  runs: DashboardRun[];
  /** Per stage, by name. */
  accounting: StageTotals[];
}

/** Runs per listing page and checkpoints read per run (the results API's largest page). */
const PAGE = 500;

export async function buildDashboardData(results: ResultsService, telemetry: TelemetryService, run: string | null = null): Promise<DashboardData> {
  const names = new Set<string>(await telemetry.runsWithMetrics());
  for (let page = 1; ; page++) {
    const runs = await results.listRuns(page, PAGE);
    for (const r of runs.items) names.add(r.name);
    if (page * PAGE >= runs.total) break;
  }
  if (run !== null && !names.has(run)) throw ResultsError.notFound(`run ${run} does not exist: no checkpoint or training step of it has been stored`);
  const wanted = run === null ? [...names].sort() : [run];
  const runs: DashboardRun[] = [];
  for (const name of wanted) runs.push(await dashboardRun(results, telemetry, name));
  return { generatedAt: new Date().toISOString(), run, runs, accounting: await telemetry.accounting() };
}

async function dashboardRun(results: ResultsService, telemetry: TelemetryService, name: string): Promise<DashboardRun> {
  const { points } = await telemetry.trainingCurveOrEmpty(name);
  const views = (await results.listCheckpoints(name, 1, PAGE).catch(notFoundAsEmpty)).items;
  const hasBase = views.some((v) => v.isBase);
  const checkpoints: DashboardCheckpoint[] = [];
  for (const view of views) {
    const stored = (await results.resultsOf(view.id)).results;
    // The same numbers GET /compare?a=base answers, so the page and the API never disagree.
    const deltas = hasBase && !view.isBase ? (await results.compare(BASE, view.id)).deltas : [];
    const deltaOf = new Map(deltas.map((d) => [`${d.task}/${d.metric}`, d]));
    checkpoints.push({
      id: view.id,
      step: view.step,
      tokensSeen: view.tokensSeen,
      isBase: view.isBase,
      loss: view.loss,
      createdAt: view.createdAt,
      scores: stored.map((r) => {
        const d = deltaOf.get(`${r.task}/${r.metric}`);
        return { task: r.task, metric: r.metric, value: r.value, stderr: r.stderr, n: r.n, delta: d?.delta ?? (view.isBase ? 0 : null), deltaStderr: d?.stderr ?? null };
      }),
    });
  }
  checkpoints.sort((a, b) => a.tokensSeen - b.tokensSeen || Number(b.isBase) - Number(a.isBase) || a.step - b.step);
  return { name, training: points, checkpoints };
}

function notFoundAsEmpty(error: unknown): { items: [] } {
  if (error instanceof ResultsError && error.kind === 'notFound') return { items: [] };
  throw error;
}
