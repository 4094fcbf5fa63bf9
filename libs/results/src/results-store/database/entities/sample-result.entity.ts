import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { TaskResultEntity } from './task-result.entity';

/** One scored document of a task result. */
@Entity({ name: 'sample_results' })
@Index('uq_sample_results_result_doc', ['taskResultId', 'docIndex'], { unique: true })
export class SampleResultEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'task_result_id', type: 'integer' })
  taskResultId!: number;

  @ManyToOne(() => TaskResultEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'task_result_id', foreignKeyConstraintName: 'fk_sample_results_task_result' })
  taskResult?: TaskResultEntity;

  @Column({ name: 'doc_index', type: 'integer' })
  docIndex!: number;

  @Column({ type: 'integer' })
  predicted!: number;

  @Column({ type: 'integer' })
  gold!: number;

  @Column({ type: 'boolean' })
  correct!: boolean;

  // Log-likelihood per choice. JSON has no -Infinity: it is written as null and read back as -Infinity.
  @Column({ type: 'simple-json' })
  logprobs!: Array<number | null>;

  // The (context, continuation) text of each choice's request; null when it was not recorded.
  @Column({ type: 'simple-json', nullable: true })
  requests!: Array<{ context: string; continuation: string }> | null;
}
