// The results logic the evaluator and the API call: validation, base lookup, comparisons and trends
// on top of a ResultsRepository. Nothing here knows which database is underneath.
import { compareResults } from './domain/compare';
import { ResultsError } from './domain/errors';
import { pageRequest } from './domain/pagination';
import { checkCheckpoint, checkRunName, checkTaskMetric, checkTaskResult, MAX_ROW_ID } from './domain/records';
import type { ResultsRepository } from './domain/results-repository';
import type {
  CheckpointRecord,
  CheckpointResults,
  CheckpointView,
  Comparison,
  Page,
  RunView,
  SampleView,
  TaskResultRecord,
  TaskResultView,
  Trend,
} from './domain/types';

/** `compare(…, BASE)` compares a checkpoint with the base checkpoint of its own run. */
export const BASE = 'base' as const;

export class ResultsService {
  constructor(private readonly repository: ResultsRepository) {}

  /** Idempotent: a re-delivered checkpoint event updates the same row. */
  async recordCheckpoint(record: CheckpointRecord): Promise<CheckpointView> {
    checkCheckpoint(record);
    return this.repository.upsertCheckpoint(record);
  }

  /** Idempotent: re-running an evaluation replaces the (checkpoint, task, metric) rows it produced. */
  async recordResults(checkpointId: number, records: TaskResultRecord[]): Promise<TaskResultView[]> {
    records.forEach(checkTaskResult);
    const keys = new Set<string>();
    for (const r of records) {
      const key = `${r.task}/${r.metric}`;
      if (keys.has(key)) throw ResultsError.invalid(`task result ${key} appears twice in one batch`);
      keys.add(key);
    }
    await this.checkpoint(checkpointId);
    return this.repository.saveTaskResults(checkpointId, records);
  }

  async listRuns(page?: number, pageSize?: number): Promise<Page<RunView>> {
    return this.repository.listRuns(pageRequest(page, pageSize));
  }

  async listCheckpoints(run: string, page?: number, pageSize?: number): Promise<Page<CheckpointView>> {
    const request = pageRequest(page, pageSize);
    await this.requireRun(run);
    return this.repository.listCheckpoints(run, request);
  }

  async checkpoint(id: number): Promise<CheckpointView> {
    const found = id <= MAX_ROW_ID ? await this.repository.findCheckpoint(id) : null;
    if (!found) throw ResultsError.notFound(`checkpoint ${id} does not exist`);
    return found;
  }

  findCheckpointByStep(run: string, step: number): Promise<CheckpointView | null> {
    return this.repository.findCheckpointByStep(run, step);
  }

  /** The run's base checkpoint (lowest step marked is_base), or null when it has none yet. */
  baseCheckpoint(run: string): Promise<CheckpointView | null> {
    checkRunName(run);
    return this.repository.findBaseCheckpoint(run);
  }

  async resultsOf(checkpointId: number): Promise<CheckpointResults> {
    const checkpoint = await this.checkpoint(checkpointId);
    return { checkpoint, results: await this.repository.resultsOf(checkpointId) };
  }

  async samplesOf(checkpointId: number, task: string, metric: string, page?: number, pageSize?: number): Promise<Page<SampleView>> {
    const request = pageRequest(page, pageSize);
    checkTaskMetric(task, metric);
    await this.checkpoint(checkpointId);
    const samples = await this.repository.samplesOf(checkpointId, task, metric, request);
    if (!samples) throw ResultsError.notFound(`checkpoint ${checkpointId} has no ${task}/${metric} result`);
    return samples;
  }

  /** Deltas of `checkpointId` against `baselineId`, or against its run's base when baselineId is BASE. */
  async compare(baselineId: number | typeof BASE, checkpointId: number): Promise<Comparison> {
    const checkpoint = await this.checkpoint(checkpointId);
    let baseline: CheckpointView;
    if (baselineId === BASE) {
      const base = await this.repository.findBaseCheckpoint(checkpoint.run);
      if (!base) throw ResultsError.notFound(`run ${checkpoint.run} has no base checkpoint to compare with`);
      baseline = base;
    } else {
      baseline = await this.checkpoint(baselineId);
    }
    const [before, after] = await Promise.all([this.repository.resultsOf(baseline.id), this.repository.resultsOf(checkpoint.id)]);
    return compareResults(baseline, before, checkpoint, after);
  }

  async trend(run: string, task: string, metric: string): Promise<Trend> {
    checkTaskMetric(task, metric);
    await this.requireRun(run);
    return { run, task, metric, points: await this.repository.trend(run, task, metric) };
  }

  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void> {
    return this.repository.ping();
  }

  private async requireRun(run: string): Promise<void> {
    checkRunName(run);
    if (!(await this.repository.runExists(run))) throw ResultsError.notFound(`run ${run} does not exist`);
  }
}
