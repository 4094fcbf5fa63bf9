// The evaluation jobs table (lane harden-core): evaluations recorded by the consuming transaction
// and run outside the Kafka batch, resumable after a crash.
import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

export class HardenCoreEvaluationJobs1764950200000 implements MigrationInterface {
  name = 'HardenCoreEvaluationJobs1764950200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'evaluation_jobs',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'key', type: 'varchar', length: '512' },
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'payload', type: 'text' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer' },
          { name: 'due_at_ms', type: 'bigint' },
          { name: 'lease_until_ms', type: 'bigint', isNullable: true },
          { name: 'error', type: 'text', isNullable: true },
          { name: 'outcome', type: 'text', isNullable: true },
          { name: 'created_at_ms', type: 'bigint' },
          { name: 'updated_at_ms', type: 'bigint' },
        ],
        indices: [
          new TableIndex({ name: 'uq_evaluation_jobs_key', columnNames: ['key'], isUnique: true }),
          new TableIndex({ name: 'ix_evaluation_jobs_state_due', columnNames: ['state', 'due_at_ms'] }),
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('evaluation_jobs');
  }
}
