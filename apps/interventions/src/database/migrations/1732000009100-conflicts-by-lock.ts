import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conflicts are decided by the row lock alone (issue 9 §5): the wall-clock stamps that told a
 * "concurrent" close/cancel from a late one are no longer read, so they go.
 */
export class ConflictsByLock1732000009100 implements MigrationInterface {
  name = 'ConflictsByLock1732000009100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE interventions.interventions DROP COLUMN IF EXISTS closed_wall_at`);
    await q.query(`DROP TABLE IF EXISTS interventions.canceled_interventions`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE interventions.interventions ADD COLUMN IF NOT EXISTS closed_wall_at timestamptz`);
    await q.query(`CREATE TABLE IF NOT EXISTS interventions.canceled_interventions (
      id char(24) PRIMARY KEY, source_id char(24) NOT NULL, canceled_wall_at timestamptz NOT NULL)`);
  }
}
