import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/** The latest cumulative counts of one stage process (one row per stage and instance). */
@Entity({ name: 'stage_accounting' })
@Index('uq_stage_accounting_stage_instance', ['stage', 'instance'], { unique: true })
export class StageAccountingEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 100 })
  stage!: string;

  @Column({ type: 'varchar', length: 100 })
  instance!: string;

  @Column({ name: 'at_ms', type: 'bigint', transformer: bigintAsNumber })
  atMs!: number;

  @Column({ name: 'records_in', type: 'bigint', transformer: bigintAsNumber })
  recordsIn!: number;

  @Column({ name: 'records_out', type: 'bigint', transformer: bigintAsNumber })
  recordsOut!: number;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  rejected!: number;

  /** JSON object: "filter/rule" -> count. */
  @Column({ name: 'rejected_by_rule', type: 'simple-json' })
  rejectedByRule!: Record<string, number>;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  duplicates!: number;

  @Column({ name: 'dead_letters', type: 'bigint', transformer: bigintAsNumber })
  deadLetters!: number;

  /** Uncommitted input records of the stage's group; null when the bus could not tell. */
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  lag!: number | null;
}
