import { MigrationInterface, QueryRunner } from 'typeorm';

/** Instance metadata (issue 23): string labels to search and select instances by (GIN-indexed). */
export class InstanceMetadata1732000023000 implements MigrationInterface {
  name = 'InstanceMetadata1732000023000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orchestrator.instances ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`CREATE INDEX instances_metadata ON orchestrator.instances USING gin (metadata jsonb_path_ops)`);
    await q.query(`CREATE INDEX instances_status ON orchestrator.instances (status, created_at, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX orchestrator.instances_status`);
    await q.query(`DROP INDEX orchestrator.instances_metadata`);
    await q.query(`ALTER TABLE orchestrator.instances DROP COLUMN metadata`);
  }
}
