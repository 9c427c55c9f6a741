import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Redrive (issue 23): a failed instance runs again from its failed stage. The stage run's row is
 * reused (one row per reached stage); it counts its redrives and keeps the error it had before
 * the last one, so history shows the redrive.
 */
export class Redrive1732000019000 implements MigrationInterface {
  name = 'Redrive1732000019000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orchestrator.stage_runs
      ADD COLUMN redrives int NOT NULL DEFAULT 0,
      ADD COLUMN error_before_redrive text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orchestrator.stage_runs DROP COLUMN redrives, DROP COLUMN error_before_redrive`);
  }
}
