// The evaluation jobs table: the evaluator's durable queue. A job is claimed with a lease that the
// worker renews while it evaluates; a job whose lease ran out (its process died) is claimed again, so
// jobs resume after kill -9. Claims are conditional updates, so two replicas never run one job.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { EvaluationJobKind, EvaluationJobState, EvaluationJobView, NewEvaluationJob } from '../domain/evaluation-jobs';
import { EvaluationJobEntity } from './entities';
import { writeInTurn } from './write-turns';

/** Due: queued and past its backoff, or running under a lease that has run out (its worker died). */
const CLAIMABLE = "(state = 'queued' AND due_at_ms <= :now) OR (state = 'running' AND lease_until_ms < :now)";

function view(e: EvaluationJobEntity): EvaluationJobView {
  return {
    id: e.id,
    kind: e.kind as EvaluationJobKind,
    state: e.state as EvaluationJobState,
    attempts: e.attempts,
    payload: JSON.parse(e.payload),
    error: e.error,
    outcome: e.outcome === null ? null : JSON.parse(e.outcome),
    createdAt: new Date(e.createdAtMs).toISOString(),
    updatedAt: new Date(e.updatedAtMs).toISOString(),
  };
}

export class EvaluationJobs {
  constructor(private readonly dataSource: DataSource) {}

  /** Idempotent per key: returns the job already recorded under it, if any. */
  async enqueue(job: NewEvaluationJob, now = Date.now()): Promise<EvaluationJobView> {
    const id = randomUUID();
    const key = job.key ?? id;
    return writeInTurn(this.dataSource, async (manager) => {
      await manager
        .createQueryBuilder()
        .insert()
        .into(EvaluationJobEntity)
        .values({ id, key, kind: job.kind, payload: JSON.stringify(job.payload), state: 'queued', attempts: 0, dueAtMs: now, leaseUntilMs: null, error: null, outcome: null, createdAtMs: now, updatedAtMs: now })
        .orIgnore()
        .execute();
      return view(await manager.findOneByOrFail(EvaluationJobEntity, { key }));
    });
  }

  /** The oldest job that is due (queued and past its backoff, or running with an expired lease), now leased to the caller. */
  async claim(leaseMs: number, now = Date.now()): Promise<EvaluationJobView | null> {
    const jobs = this.dataSource.getRepository(EvaluationJobEntity);
    for (let tries = 0; tries < 5; tries++) {
      const candidate = await jobs.createQueryBuilder('job').where(CLAIMABLE, { now }).orderBy('job.createdAtMs').addOrderBy('job.id').getOne();
      if (!candidate) return null;
      const claimed = await writeInTurn(this.dataSource, async (manager) => {
        const result = await manager
          .createQueryBuilder()
          .update(EvaluationJobEntity)
          .set({ state: 'running', attempts: candidate.attempts + 1, leaseUntilMs: now + leaseMs, updatedAtMs: now })
          .where('id = :id AND attempts = :attempts', { id: candidate.id, attempts: candidate.attempts })
          .andWhere(`(${CLAIMABLE})`, { now })
          .execute();
        return result.affected === 1;
      });
      if (claimed) return view(await jobs.findOneByOrFail({ id: candidate.id }));
      // Another worker claimed it first: look again.
    }
    return null;
  }

  /** Keeps a running job leased to its worker. */
  async renew(id: string, leaseMs: number, now = Date.now()): Promise<void> {
    await this.update(id, { leaseUntilMs: now + leaseMs, updatedAtMs: now });
  }

  async complete(id: string, outcome: unknown, now = Date.now()): Promise<void> {
    await this.update(id, { state: 'done', leaseUntilMs: null, error: null, outcome: JSON.stringify(outcome), updatedAtMs: now });
  }

  /** Back to the queue after a transient failure, due again at `dueAtMs`. */
  async retry(id: string, error: string, dueAtMs: number, now = Date.now()): Promise<void> {
    await this.update(id, { state: 'queued', leaseUntilMs: null, error, dueAtMs, updatedAtMs: now });
  }

  /** Given up: never claimed again; the reason stays with it. */
  async bury(id: string, error: string, now = Date.now()): Promise<void> {
    await this.update(id, { state: 'dead', leaseUntilMs: null, error, updatedAtMs: now });
  }

  async find(id: string): Promise<EvaluationJobView | null> {
    const found = await this.dataSource.getRepository(EvaluationJobEntity).findOneBy({ id });
    return found ? view(found) : null;
  }

  /** Jobs in each state (for /ready details and tests). */
  async counts(): Promise<Record<EvaluationJobState, number>> {
    const rows: Array<{ state: string; n: string | number }> = await this.dataSource
      .getRepository(EvaluationJobEntity)
      .createQueryBuilder()
      .select('state', 'state')
      .addSelect('COUNT(*)', 'n')
      .groupBy('state')
      .getRawMany();
    const out: Record<EvaluationJobState, number> = { queued: 0, running: 0, done: 0, dead: 0 };
    for (const r of rows) out[r.state as EvaluationJobState] = Number(r.n);
    return out;
  }

  private async update(id: string, values: Partial<EvaluationJobEntity>): Promise<void> {
    await writeInTurn(this.dataSource, (manager) => manager.update(EvaluationJobEntity, { id }, values));
  }
}
