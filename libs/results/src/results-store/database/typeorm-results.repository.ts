// ResultsRepository over TypeORM: the only code that speaks to the results tables. It stores and
// reads; what to store and what a comparison means is decided in ../domain and ../results-service.
import { type DataSource, type EntityManager, In } from 'typeorm';
import { type PageRequest, pageOffset } from '../domain/pagination';
import type { ResultsRepository } from '../domain/results-repository';
import type {
  CheckpointRecord,
  CheckpointView,
  Page,
  RunView,
  SampleRecord,
  SampleView,
  TaskResultRecord,
  TaskResultView,
  TrendPoint,
} from '../domain/types';
import { CheckpointEntity, RunEntity, SampleResultEntity, TaskResultEntity } from './entities';
import { writeInTurn } from './write-turns';

/** Rows per multi-row INSERT: 6 bound values each stays well under SQLite's and PostgreSQL's limits. */
const SAMPLE_INSERT_CHUNK = 500;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function checkpointView(entity: CheckpointEntity, run: string): CheckpointView {
  return {
    id: entity.id,
    run,
    step: entity.step,
    tokensSeen: entity.tokensSeen,
    path: entity.path,
    hfPath: entity.hfPath,
    loss: entity.loss,
    isBase: entity.isBase,
    createdAt: iso(entity.createdAtMs),
  };
}

function resultView(entity: TaskResultEntity): TaskResultView {
  return {
    id: entity.id,
    task: entity.task,
    metric: entity.metric,
    value: entity.value,
    stderr: entity.stderr,
    n: entity.n,
    settings: entity.settings,
  };
}

function sampleView(entity: SampleResultEntity): SampleView {
  return {
    docIndex: entity.docIndex,
    predicted: entity.predicted,
    gold: entity.gold,
    correct: entity.correct,
    logprobs: entity.logprobs.map((x) => (x === null ? Number.NEGATIVE_INFINITY : x)),
    ...(entity.requests ? { requests: entity.requests } : {}),
  };
}

function sampleRow(taskResultId: number, sample: SampleRecord): Omit<SampleResultEntity, 'id'> {
  return {
    taskResultId,
    docIndex: sample.docIndex,
    predicted: sample.predicted,
    gold: sample.gold,
    correct: sample.correct,
    logprobs: sample.logprobs.map((x) => (Number.isFinite(x) ? x : null)),
    requests: sample.requests ?? null,
  };
}

export class TypeormResultsRepository implements ResultsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Write transactions take turns on SQLite's one connection (see write-turns.ts). */
  private write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return writeInTurn(this.dataSource, work);
  }

  async upsertCheckpoint(record: CheckpointRecord): Promise<CheckpointView> {
    const now = Date.now();
    return this.write(async (manager) => {
      await manager.createQueryBuilder().insert().into(RunEntity).values({ name: record.run, createdAtMs: now }).orIgnore().execute();
      const run = await manager.findOneByOrFail(RunEntity, { name: record.run });
      await manager
        .createQueryBuilder()
        .insert()
        .into(CheckpointEntity)
        .values({
          runId: run.id,
          step: record.step,
          tokensSeen: record.tokensSeen,
          path: record.path,
          hfPath: record.hfPath ?? null,
          loss: record.loss ?? null,
          isBase: record.isBase,
          createdAtMs: record.createdAtMs ?? now,
        })
        // created_at_ms keeps the first delivery's value; everything the trainer reports is refreshed.
        .orUpdate(['tokens_seen', 'path', 'hf_path', 'loss', 'is_base'], ['run_id', 'step'])
        .execute();
      const stored = await manager.findOneByOrFail(CheckpointEntity, { runId: run.id, step: record.step });
      return checkpointView(stored, run.name);
    });
  }

  async saveTaskResults(checkpointId: number, records: TaskResultRecord[]): Promise<TaskResultView[]> {
    return this.write(async (manager) => {
      const saved: TaskResultView[] = [];
      for (const record of records) saved.push(await this.saveTaskResult(manager, checkpointId, record));
      return saved;
    });
  }

  private async saveTaskResult(manager: EntityManager, checkpointId: number, record: TaskResultRecord): Promise<TaskResultView> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(TaskResultEntity)
      .values({ checkpointId, task: record.task, metric: record.metric, value: record.value, stderr: record.stderr, n: record.n, settings: record.settings })
      .orUpdate(['value', 'stderr', 'n', 'settings'], ['checkpoint_id', 'task', 'metric'])
      .execute();
    const stored = await manager.findOneByOrFail(TaskResultEntity, { checkpointId, task: record.task, metric: record.metric });
    if (record.samples) {
      await manager.delete(SampleResultEntity, { taskResultId: stored.id });
      for (let i = 0; i < record.samples.length; i += SAMPLE_INSERT_CHUNK) {
        const rows = record.samples.slice(i, i + SAMPLE_INSERT_CHUNK).map((s) => sampleRow(stored.id, s));
        await manager.createQueryBuilder().insert().into(SampleResultEntity).values(rows).execute();
      }
    }
    return resultView(stored);
  }

  async listRuns(request: PageRequest): Promise<Page<RunView>> {
    const manager = this.dataSource.manager;
    const [runs, total] = await manager.findAndCount(RunEntity, { order: { name: 'ASC' }, skip: pageOffset(request), take: request.pageSize });
    const ids = runs.map((r) => r.id);
    const stats = ids.length
      ? await manager
          .createQueryBuilder(CheckpointEntity, 'c')
          .select('c.run_id', 'runId')
          .addSelect('COUNT(*)', 'count')
          .addSelect('MAX(c.step)', 'latestStep')
          .addSelect('MAX(c.tokens_seen)', 'latestTokensSeen')
          .where('c.run_id IN (:...ids)', { ids })
          .groupBy('c.run_id')
          .getRawMany<{ runId: number | string; count: number | string; latestStep: number | string; latestTokensSeen: number | string }>()
      : [];
    const statsByRun = new Map(stats.map((s) => [Number(s.runId), s]));
    const bases = ids.length ? await manager.find(CheckpointEntity, { where: { runId: In(ids), isBase: true }, order: { step: 'DESC' } }) : [];
    // Ordered by step descending, so the last one written per run is the lowest base step.
    const baseByRun = new Map(bases.map((b) => [b.runId, b.id]));
    const items = runs.map((run): RunView => {
      const s = statsByRun.get(run.id);
      return {
        name: run.name,
        checkpointCount: s ? Number(s.count) : 0,
        baseCheckpointId: baseByRun.get(run.id) ?? null,
        latestStep: s ? Number(s.latestStep) : null,
        latestTokensSeen: s ? Number(s.latestTokensSeen) : null,
        createdAt: iso(run.createdAtMs),
      };
    });
    return { items, total, page: request.page, pageSize: request.pageSize };
  }

  async runExists(run: string): Promise<boolean> {
    return this.dataSource.manager.existsBy(RunEntity, { name: run });
  }

  async listCheckpoints(runName: string, request: PageRequest): Promise<Page<CheckpointView>> {
    const manager = this.dataSource.manager;
    const run = await manager.findOneBy(RunEntity, { name: runName });
    if (!run) return { items: [], total: 0, page: request.page, pageSize: request.pageSize };
    const [rows, total] = await manager.findAndCount(CheckpointEntity, {
      where: { runId: run.id },
      order: { step: 'ASC' },
      skip: pageOffset(request),
      take: request.pageSize,
    });
    return { items: rows.map((c) => checkpointView(c, run.name)), total, page: request.page, pageSize: request.pageSize };
  }

  async findCheckpoint(id: number): Promise<CheckpointView | null> {
    const found = await this.dataSource.manager.findOne(CheckpointEntity, { where: { id }, relations: { run: true } });
    return found ? checkpointView(found, found.run!.name) : null;
  }

  async findCheckpointByStep(run: string, step: number): Promise<CheckpointView | null> {
    const found = await this.dataSource.manager.findOne(CheckpointEntity, { where: { step, run: { name: run } }, relations: { run: true } });
    return found ? checkpointView(found, found.run!.name) : null;
  }

  async findBaseCheckpoint(run: string): Promise<CheckpointView | null> {
    const found = await this.dataSource.manager.findOne(CheckpointEntity, {
      where: { isBase: true, run: { name: run } },
      relations: { run: true },
      order: { step: 'ASC' },
    });
    return found ? checkpointView(found, found.run!.name) : null;
  }

  async resultsOf(checkpointId: number): Promise<TaskResultView[]> {
    const rows = await this.dataSource.manager.find(TaskResultEntity, { where: { checkpointId }, order: { task: 'ASC', metric: 'ASC' } });
    return rows.map(resultView);
  }

  async samplesOf(checkpointId: number, task: string, metric: string, request: PageRequest): Promise<Page<SampleView> | null> {
    const manager = this.dataSource.manager;
    const result = await manager.findOneBy(TaskResultEntity, { checkpointId, task, metric });
    if (!result) return null;
    const [rows, total] = await manager.findAndCount(SampleResultEntity, {
      where: { taskResultId: result.id },
      order: { docIndex: 'ASC' },
      skip: pageOffset(request),
      take: request.pageSize,
    });
    return { items: rows.map(sampleView), total, page: request.page, pageSize: request.pageSize };
  }

  async trend(run: string, task: string, metric: string): Promise<TrendPoint[]> {
    const rows = await this.dataSource.manager.find(TaskResultEntity, {
      where: { task, metric, checkpoint: { run: { name: run } } },
      relations: { checkpoint: true },
      order: { checkpoint: { tokensSeen: 'ASC', step: 'ASC' } },
    });
    return rows.map((r) => ({
      checkpointId: r.checkpointId,
      step: r.checkpoint!.step,
      tokensSeen: r.checkpoint!.tokensSeen,
      isBase: r.checkpoint!.isBase,
      value: r.value,
      stderr: r.stderr,
      n: r.n,
    }));
  }

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}
