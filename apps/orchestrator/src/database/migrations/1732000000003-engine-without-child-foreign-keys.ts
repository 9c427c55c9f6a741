import { MigrationInterface, QueryRunner } from 'typeorm';

const CHILDREN = ['stage_runs', 'timers', 'waits', 'buffered_events', 'activity_log'];

/**
 * Drops the foreign keys from the engine's per-instance tables to `instances`. Measured (issue
 * 10): on a 200-instance start batch the `stage_runs` key check alone cost more than the
 * `stage_runs` insert, and each check takes a KEY SHARE lock on the instance row (a tuple write).
 * The engine is the only writer and writes those rows only in the statement that inserts or
 * locks their instance (`db/write-transitions.ts`); instances are never deleted.
 */
export class EngineWithoutChildForeignKeys1732000000003 implements MigrationInterface {
  name = 'EngineWithoutChildForeignKeys1732000000003';

  async up(q: QueryRunner): Promise<void> {
    for (const table of CHILDREN) {
      await q.query(`ALTER TABLE orchestrator.${table} DROP CONSTRAINT IF EXISTS ${table}_instance_id_fkey`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of CHILDREN) {
      await q.query(`
        ALTER TABLE orchestrator.${table} ADD CONSTRAINT ${table}_instance_id_fkey
          FOREIGN KEY (instance_id) REFERENCES orchestrator.instances (id) ON DELETE CASCADE`);
    }
  }
}
