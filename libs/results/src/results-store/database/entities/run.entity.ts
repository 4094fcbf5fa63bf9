import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from './column-types';

/** A training run: one model continued-pre-trained on one stream; checkpoints belong to it. */
@Entity({ name: 'runs' })
@Index('uq_runs_name', ['name'], { unique: true })
export class RunEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'created_at_ms', type: 'bigint', transformer: bigintAsNumber })
  createdAtMs!: number;
}
