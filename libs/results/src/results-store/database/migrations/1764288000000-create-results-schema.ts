// The first results schema: runs, checkpoints, task results and per-sample results. Written with
// TypeORM's schema API rather than SQL text so the same migration runs on SQLite and PostgreSQL.
import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import type { TableColumnOptions } from 'typeorm/schema-builder/options/TableColumnOptions';

const id: TableColumnOptions = { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' };
const DOUBLE = 'double precision';

function cascadeTo(column: string, table: string, name: string): TableForeignKey {
  return new TableForeignKey({ name, columnNames: [column], referencedTableName: table, referencedColumnNames: ['id'], onDelete: 'CASCADE' });
}

export class CreateResultsSchema1764288000000 implements MigrationInterface {
  name = 'CreateResultsSchema1764288000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'runs',
        columns: [id, { name: 'name', type: 'varchar', length: '200' }, { name: 'created_at_ms', type: 'bigint' }],
        indices: [new TableIndex({ name: 'uq_runs_name', columnNames: ['name'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'checkpoints',
        columns: [
          id,
          { name: 'run_id', type: 'integer' },
          { name: 'step', type: 'bigint' },
          { name: 'tokens_seen', type: 'bigint' },
          { name: 'path', type: 'varchar', length: '1024' },
          { name: 'hf_path', type: 'varchar', length: '1024', isNullable: true },
          { name: 'loss', type: DOUBLE, isNullable: true },
          { name: 'is_base', type: 'boolean' },
          { name: 'created_at_ms', type: 'bigint' },
        ],
        indices: [new TableIndex({ name: 'uq_checkpoints_run_step', columnNames: ['run_id', 'step'], isUnique: true })],
        foreignKeys: [cascadeTo('run_id', 'runs', 'fk_checkpoints_run')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'task_results',
        columns: [
          id,
          { name: 'checkpoint_id', type: 'integer' },
          { name: 'task', type: 'varchar', length: '200' },
          { name: 'metric', type: 'varchar', length: '64' },
          { name: 'value', type: DOUBLE },
          { name: 'stderr', type: DOUBLE, isNullable: true },
          { name: 'n', type: 'integer' },
          { name: 'settings', type: 'text' },
        ],
        indices: [
          new TableIndex({ name: 'uq_task_results_checkpoint_task_metric', columnNames: ['checkpoint_id', 'task', 'metric'], isUnique: true }),
          new TableIndex({ name: 'ix_task_results_task_metric', columnNames: ['task', 'metric'] }),
        ],
        foreignKeys: [cascadeTo('checkpoint_id', 'checkpoints', 'fk_task_results_checkpoint')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'sample_results',
        columns: [
          id,
          { name: 'task_result_id', type: 'integer' },
          { name: 'doc_index', type: 'integer' },
          { name: 'predicted', type: 'integer' },
          { name: 'gold', type: 'integer' },
          { name: 'correct', type: 'boolean' },
          { name: 'logprobs', type: 'text' },
        ],
        indices: [new TableIndex({ name: 'uq_sample_results_result_doc', columnNames: ['task_result_id', 'doc_index'], isUnique: true })],
        foreignKeys: [cascadeTo('task_result_id', 'task_results', 'fk_sample_results_task_result')],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('sample_results');
    await queryRunner.dropTable('task_results');
    await queryRunner.dropTable('checkpoints');
    await queryRunner.dropTable('runs');
  }
}
