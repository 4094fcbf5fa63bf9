import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber, DOUBLE } from './column-types';

/**
 * One optimizer step of a run as the trainer published it (dashboard curves). Keyed by run name, not
 * the runs table: steps arrive before the run's first checkpoint creates its row.
 */
@Entity({ name: 'training_steps' })
@Index('uq_training_steps_run_step', ['run', 'step'], { unique: true })
export class TrainingStepEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  run!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  step!: number;

  @Column({ name: 'tokens_seen', type: 'bigint', transformer: bigintAsNumber })
  tokensSeen!: number;

  @Column({ type: DOUBLE, nullable: true })
  loss!: number | null;

  @Column({ type: DOUBLE, nullable: true })
  lr!: number | null;

  @Column({ name: 'grad_norm', type: DOUBLE, nullable: true })
  gradNorm!: number | null;

  @Column({ name: 'tokens_per_second', type: DOUBLE, nullable: true })
  tokensPerSecond!: number | null;

  @Column({ name: 'at_ms', type: 'bigint', transformer: bigintAsNumber })
  atMs!: number;
}
