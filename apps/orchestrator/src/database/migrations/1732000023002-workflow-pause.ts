import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pause / resume a workflow (issue 23): while paused, new starts are queued (the instance is
 * created with its first stage parked on a `start` timer that resume makes due) or dropped
 * (refused, so the trigger records them).
 */
export class WorkflowPause1732000023002 implements MigrationInterface {
  name = 'WorkflowPause1732000023002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orchestrator.workflows
      ADD COLUMN paused_mode text CHECK (paused_mode IN ('queue', 'drop')),
      ADD COLUMN paused_at timestamptz`);
    await q.query(`CREATE INDEX workflows_paused ON orchestrator.workflows (id) WHERE paused_mode IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX orchestrator.workflows_paused`);
    await q.query(`ALTER TABLE orchestrator.workflows DROP COLUMN paused_mode, DROP COLUMN paused_at`);
  }
}
