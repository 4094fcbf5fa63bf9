// The dashboard lane's tables: the trainer's per-step metrics and the stages' accounting, stored
// beside the results so one API serves the whole picture.
import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import type { TableColumnOptions } from 'typeorm/schema-builder/options/TableColumnOptions';

const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const DOUBLE = 'double precision';

export class DashboardTelemetry1764950400000 implements MigrationInterface {
  name = 'DashboardTelemetry1764950400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'training_steps',
        columns: [
          id,
          { name: 'run', type: 'varchar', length: '200' },
          { name: 'step', type: 'bigint' },
          { name: 'tokens_seen', type: 'bigint' },
          { name: 'loss', type: DOUBLE, isNullable: true },
          { name: 'lr', type: DOUBLE, isNullable: true },
          { name: 'grad_norm', type: DOUBLE, isNullable: true },
          { name: 'tokens_per_second', type: DOUBLE, isNullable: true },
          { name: 'at_ms', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'uq_training_steps_run_step', columnNames: ['run', 'step'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'stage_accounting',
        columns: [
          id,
          { name: 'stage', type: 'varchar', length: '100' },
          { name: 'instance', type: 'varchar', length: '100' },
          { name: 'at_ms', type: 'bigint' },
          { name: 'records_in', type: 'bigint' },
          { name: 'records_out', type: 'bigint' },
          { name: 'rejected', type: 'bigint' },
          { name: 'rejected_by_rule', type: 'text' },
          { name: 'duplicates', type: 'bigint' },
          { name: 'dead_letters', type: 'bigint' },
          { name: 'lag', type: 'bigint', isNullable: true },
        ],
        indices: [new TableIndex({ name: 'uq_stage_accounting_stage_instance', columnNames: ['stage', 'instance'], isUnique: true })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('stage_accounting');
    await queryRunner.dropTable('training_steps');
  }
}
