import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/**
 * One evaluation to run: a consumed checkpoint event, or a request made over the API. The evaluator
 * writes the row where a Kafka stage writes its outputs (before the consumed offset is committed),
 * then evaluates outside the consumer's batch; the row carries the attempts and the outcome.
 */
@Entity({ name: 'evaluation_jobs' })
@Index('uq_evaluation_jobs_key', ['key'], { unique: true })
@Index('ix_evaluation_jobs_state_due', ['state', 'dueAtMs'])
export class EvaluationJobEntity {
  /** A UUID: the id `GET /evaluations/:id` answers for. */
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  /** What makes a job unique: the consumed record (`topic/partition/offset`) or the job id for API requests. */
  @Column({ type: 'varchar', length: 512 })
  key!: string;

  /** `checkpoint-event` or `request`. */
  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  /** JSON: the consumed record (value in base64) or the API request. */
  @Column({ type: 'text' })
  payload!: string;

  /** `queued`, `running`, `done` or `dead`. */
  @Column({ type: 'varchar', length: 16 })
  state!: string;

  @Column({ type: 'integer' })
  attempts!: number;

  /** A queued job runs at or after this time (retry backoff). */
  @Column({ name: 'due_at_ms', type: 'bigint', transformer: bigintAsNumber })
  dueAtMs!: number;

  /** A running job whose lease has passed was left by a dead process and is claimed again. */
  @Column({ name: 'lease_until_ms', type: 'bigint', nullable: true, transformer: bigintAsNumber })
  leaseUntilMs!: number | null;

  /** The last error (a retry's reason, or why the job is dead). */
  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** JSON once done: the evaluated checkpoints with the tasks scored and skipped. */
  @Column({ type: 'text', nullable: true })
  outcome!: string | null;

  @Column({ name: 'created_at_ms', type: 'bigint', transformer: bigintAsNumber })
  createdAtMs!: number;

  @Column({ name: 'updated_at_ms', type: 'bigint', transformer: bigintAsNumber })
  updatedAtMs!: number;
}
