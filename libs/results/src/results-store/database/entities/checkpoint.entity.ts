import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber, DOUBLE } from './column-types';
import { RunEntity } from './run.entity';

/** A saved model state of a run; (run, step) is the key a re-delivered checkpoint event upserts on. */
@Entity({ name: 'checkpoints' })
@Index('uq_checkpoints_run_step', ['runId', 'step'], { unique: true })
export class CheckpointEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'run_id', type: 'integer' })
  runId!: number;

  @ManyToOne(() => RunEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'fk_checkpoints_run' })
  run?: RunEntity;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  step!: number;

  @Column({ name: 'tokens_seen', type: 'bigint', transformer: bigintAsNumber })
  tokensSeen!: number;

  @Column({ type: 'varchar', length: 1024 })
  path!: string;

  @Column({ name: 'hf_path', type: 'varchar', length: 1024, nullable: true })
  hfPath!: string | null;

  @Column({ type: DOUBLE, nullable: true })
  loss!: number | null;

  @Column({ name: 'is_base', type: 'boolean' })
  isBase!: boolean;

  @Column({ name: 'created_at_ms', type: 'bigint', transformer: bigintAsNumber })
  createdAtMs!: number;
}
