// eval-workflows: each stored sample keeps the (context, continuation) text of its requests, one per
// choice, so a result can be read back with what the model was actually asked. Nullable: rows from
// before this migration (and callers that send no text) have none.
import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

export class EvalWorkflowsSampleRequests1764950000000 implements MigrationInterface {
  name = 'EvalWorkflowsSampleRequests1764950000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn('sample_results', new TableColumn({ name: 'requests', type: 'text', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('sample_results', 'requests');
  }
}
