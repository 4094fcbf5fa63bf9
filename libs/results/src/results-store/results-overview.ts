// What `cptflow results` shows: every task score of every checkpoint, with its change against the
// run's base model, read either from a results database or from a running evaluator's API. Both
// sources answer the same three questions (ResultsReader), so the overview is computed once.
import { ResultsError } from './domain/errors';
import type { CheckpointResults, CheckpointView, Page, RunView, SampleView } from './domain/types';

/** The reads the overview needs; ResultsService and ResultsApiClient both provide them. */
export interface ResultsReader {
  listRuns(page?: number, pageSize?: number): Promise<Page<RunView>>;
  listCheckpoints(run: string, page?: number, pageSize?: number): Promise<Page<CheckpointView>>;
  resultsOf(checkpointId: number): Promise<CheckpointResults>;
  samplesOf(checkpointId: number, task: string, metric: string, page?: number, pageSize?: number): Promise<Page<SampleView>>;
}

export interface OverviewRow {
  run: string;
  checkpointId: number;
  step: number;
  tokensSeen: number;
  isBase: boolean;
  task: string;
  metric: string;
  value: number;
  stderr: number | null;
  n: number;
  numFewshot: number;
  /** value - the base checkpoint's value for this task and metric; null for the base itself or when it has none. */
  delta: number | null;
}

const PAGE_SIZE = 500;

async function allPages<T>(read: (page: number) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (let page = 1; ; page++) {
    const p = await read(page);
    items.push(...p.items);
    if (items.length >= p.total || p.items.length === 0) return items;
  }
}

/** Rows ordered by run, then checkpoint (base first, then by step), then task and metric. */
export async function resultsOverview(reader: ResultsReader, filter: { run?: string; task?: string } = {}): Promise<OverviewRow[]> {
  const runs = filter.run ? [filter.run] : (await allPages((p) => reader.listRuns(p, PAGE_SIZE))).map((r) => r.name);
  const rows: OverviewRow[] = [];
  for (const run of runs) {
    const checkpoints = (await allPages((p) => reader.listCheckpoints(run, p, PAGE_SIZE))).sort((a, b) => Number(b.isBase) - Number(a.isBase) || a.step - b.step);
    const base = checkpoints.find((c) => c.isBase);
    const baseValues = new Map<string, number>();
    for (const checkpoint of checkpoints) {
      const { results } = await reader.resultsOf(checkpoint.id);
      const chosen = results.filter((r) => !filter.task || r.task === filter.task).sort((a, b) => a.task.localeCompare(b.task) || a.metric.localeCompare(b.metric));
      for (const r of chosen) {
        const key = `${r.task}/${r.metric}`;
        if (checkpoint === base) baseValues.set(key, r.value);
        const baseline = baseValues.get(key);
        rows.push({
          run,
          checkpointId: checkpoint.id,
          step: checkpoint.step,
          tokensSeen: checkpoint.tokensSeen,
          isBase: checkpoint.isBase,
          task: r.task,
          metric: r.metric,
          value: r.value,
          stderr: r.stderr,
          n: r.n,
          numFewshot: r.settings.numFewshot,
          delta: checkpoint === base || baseline === undefined ? null : r.value - baseline,
        });
      }
    }
  }
  return rows;
}

/** The evaluator's results API (GET endpoints; no token needed) as a ResultsReader. */
export class ResultsApiClient implements ResultsReader {
  private readonly base: string;

  constructor(baseUrl: string, private readonly timeoutMs = 10_000) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw ResultsError.invalid(`not a URL: ${JSON.stringify(baseUrl)} (e.g. http://127.0.0.1:8080)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw ResultsError.invalid(`not an http(s) URL: ${baseUrl}`);
    this.base = url.href.replace(/\/+$/, '');
  }

  listRuns(page = 1, pageSize = PAGE_SIZE): Promise<Page<RunView>> {
    return this.get(`/runs?page=${page}&pageSize=${pageSize}`);
  }

  listCheckpoints(run: string, page = 1, pageSize = PAGE_SIZE): Promise<Page<CheckpointView>> {
    return this.get(`/runs/${encodeURIComponent(run)}/checkpoints?page=${page}&pageSize=${pageSize}`);
  }

  resultsOf(checkpointId: number): Promise<CheckpointResults> {
    return this.get(`/checkpoints/${checkpointId}/results`);
  }

  samplesOf(checkpointId: number, task: string, metric: string, page = 1, pageSize = PAGE_SIZE): Promise<Page<SampleView>> {
    return this.get(`/checkpoints/${checkpointId}/samples?task=${encodeURIComponent(task)}&metric=${encodeURIComponent(metric)}&page=${page}&pageSize=${pageSize}`);
  }

  private async get<T>(pathAndQuery: string): Promise<T> {
    const url = `${this.base}${pathAndQuery}`;
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw ResultsError.invalid(`cannot reach the results API at ${url}: ${(error as Error).message}`);
    }
    const text = await response.text();
    if (response.status === 404) throw ResultsError.notFound(`${url}: ${messageOf(text)}`);
    if (!response.ok) throw ResultsError.invalid(`${url} answered ${response.status}: ${messageOf(text)}`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw ResultsError.invalid(`${url} did not answer JSON`);
    }
  }
}

function messageOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: show the start of the body
  }
  return body.slice(0, 200);
}
