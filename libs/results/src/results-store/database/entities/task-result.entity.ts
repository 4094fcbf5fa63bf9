import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { EvaluationSettings } from '../../domain/types';
import { CheckpointEntity } from './checkpoint.entity';
import { DOUBLE } from './column-types';

/** One (task, metric) score of a checkpoint; (checkpoint, task, metric) is the upsert key. */
@Entity({ name: 'task_results' })
@Index('uq_task_results_checkpoint_task_metric', ['checkpointId', 'task', 'metric'], { unique: true })
@Index('ix_task_results_task_metric', ['task', 'metric'])
export class TaskResultEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'checkpoint_id', type: 'integer' })
  checkpointId!: number;

  @ManyToOne(() => CheckpointEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'checkpoint_id', foreignKeyConstraintName: 'fk_task_results_checkpoint' })
  checkpoint?: CheckpointEntity;

  @Column({ type: 'varchar', length: 200 })
  task!: string;

  @Column({ type: 'varchar', length: 64 })
  metric!: string;

  @Column({ type: DOUBLE })
  value!: number;

  @Column({ type: DOUBLE, nullable: true })
  stderr!: number | null;

  @Column({ type: 'integer' })
  n!: number;

  // JSON in a TEXT column: identical on both databases, and only ever read whole.
  @Column({ type: 'simple-json' })
  settings!: EvaluationSettings;
}
