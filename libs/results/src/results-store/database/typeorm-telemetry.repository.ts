// The dashboard tables over TypeORM: training steps and stage accounting. Writes go through the
// results repository's write queue, so SQLite's one connection never nests transactions.
import type { DataSource, EntityManager } from 'typeorm';
import type { StageAccountingRecord, TrainingStepRecord, TrainingStepView } from '../domain/telemetry';
import { StageAccountingEntity, TrainingStepEntity } from './entities';

export type WriteQueue = <T>(work: (manager: EntityManager) => Promise<T>) => Promise<T>;

/** Rows per multi-row upsert: 8 bound values each stays well under both databases' limits. */
const STEP_UPSERT_CHUNK = 500;

export class TypeormTelemetryRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly write: WriteQueue,
  ) {}

  /** Upserts steps by (run, step), then drops the steps `stride` thins away (the newest always stays). */
  async saveSteps(records: TrainingStepRecord[], thin: (run: string, manager: EntityManager) => Promise<void>): Promise<void> {
    await this.write(async (manager) => {
      const repo = manager.getRepository(TrainingStepEntity);
      for (let i = 0; i < records.length; i += STEP_UPSERT_CHUNK) {
        await repo.upsert(records.slice(i, i + STEP_UPSERT_CHUNK), { conflictPaths: ['run', 'step'] });
      }
      for (const run of new Set(records.map((r) => r.run))) await thin(run, manager);
    });
  }

  async countSteps(manager: EntityManager, run: string, stride: number): Promise<number> {
    const row = await manager
      .getRepository(TrainingStepEntity)
      .createQueryBuilder('s')
      .select('COUNT(*)', 'n')
      .where('s.run = :run AND s.step % :stride = 0', { run, stride })
      .getRawOne<{ n: string | number }>();
    return Number(row?.n ?? 0);
  }

  async deleteStepsOffStride(manager: EntityManager, run: string, stride: number): Promise<void> {
    const latest = await manager.getRepository(TrainingStepEntity).createQueryBuilder('s').select('MAX(s.step)', 'step').where('s.run = :run', { run }).getRawOne<{ step: string | number }>();
    await manager
      .createQueryBuilder()
      .delete()
      .from(TrainingStepEntity)
      .where('run = :run AND step % :stride <> 0 AND step < :latest', { run, stride, latest: Number(latest?.step ?? 0) })
      .execute();
  }

  async steps(run: string): Promise<TrainingStepView[]> {
    const rows = await this.dataSource.getRepository(TrainingStepEntity).find({ where: { run }, order: { step: 'ASC' } });
    return rows.map(({ step, tokensSeen, loss, lr, gradNorm, tokensPerSecond, atMs }) => ({ step, tokensSeen, loss, lr, gradNorm, tokensPerSecond, atMs }));
  }

  async hasSteps(run: string): Promise<boolean> {
    return (await this.dataSource.getRepository(TrainingStepEntity).count({ where: { run }, take: 1 })) > 0;
  }

  async runsWithSteps(): Promise<string[]> {
    const rows = await this.dataSource.getRepository(TrainingStepEntity).createQueryBuilder('s').select('DISTINCT s.run', 'run').orderBy('run').getRawMany<{ run: string }>();
    return rows.map((r) => r.run);
  }

  async saveAccounting(records: StageAccountingRecord[], olderThanMs: number): Promise<void> {
    await this.write(async (manager) => {
      // A re-delivered older report must not overwrite a newer one of the same process.
      const repo = manager.getRepository(StageAccountingEntity);
      for (const r of records) {
        const existing = await repo.findOne({ where: { stage: r.stage, instance: r.instance } });
        if (existing && existing.atMs > r.atMs) continue;
        await repo.upsert(r, { conflictPaths: ['stage', 'instance'] });
      }
      await manager.createQueryBuilder().delete().from(StageAccountingEntity).where('at_ms < :cutoff', { cutoff: olderThanMs }).execute();
    });
  }

  async accounting(): Promise<StageAccountingRecord[]> {
    const rows = await this.dataSource.getRepository(StageAccountingEntity).find({ order: { stage: 'ASC', instance: 'ASC' } });
    return rows.map(({ id: _id, ...record }) => record);
  }
}
