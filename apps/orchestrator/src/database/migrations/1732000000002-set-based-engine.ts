import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The set-based engine (issue 10): explicit statuses on instances and stage runs (see
 * `engine/statuses.ts`), stage-run attempts and output (acting stages), timer actions for
 * deadlines and acting attempts, per-timer failure counts (a transition that keeps throwing fails
 * its instance instead of looping), and `iso()` so reads build their JSON in one statement.
 */
export class SetBasedEngine1732000000002 implements MigrationInterface {
  name = 'SetBasedEngine1732000000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE orchestrator.instances
        ADD COLUMN status text NOT NULL DEFAULT 'running'
          CHECK (status IN ('running', 'succeeded', 'failed', 'canceled')),
        ALTER COLUMN config DROP NOT NULL`);
    await q.query(`
      UPDATE orchestrator.instances SET status = CASE
        WHEN NOT terminated THEN 'running' WHEN error IS NULL THEN 'succeeded'
        WHEN error = 'canceled' THEN 'canceled' ELSE 'failed' END`);
    // The workflow config lives in workflows (immutable); instances no longer copy it.
    await q.query(`CREATE INDEX instances_running ON orchestrator.instances (created_at, id) WHERE NOT terminated`);
    await q.query(`
      ALTER TABLE orchestrator.stage_runs
        ADD COLUMN status text NOT NULL DEFAULT 'running'
          CHECK (status IN ('running', 'sleeping', 'waiting', 'acting', 'succeeded', 'failed', 'canceled')),
        ADD COLUMN history_name text,
        ADD COLUMN output jsonb,
        ADD COLUMN attempts integer NOT NULL DEFAULT 0`);
    await q.query(`
      UPDATE orchestrator.stage_runs SET
        history_name = 'Run' || replace(initcap(replace(kind, '_', ' ')), ' ', ''),
        status = CASE WHEN terminated_at IS NULL THEN 'running' WHEN error IS NULL THEN 'succeeded'
                      WHEN error = 'canceled' THEN 'canceled' ELSE 'failed' END`);
    // One pending work item per instance: start a stage, resume (complete) a sleeping stage,
    // a wait's deadline, or an acting stage's attempt (its lease while the call runs).
    await q.query(`ALTER TABLE orchestrator.timers DROP CONSTRAINT timers_action_check`);
    await q.query(`
      ALTER TABLE orchestrator.timers
        ADD CONSTRAINT timers_action_check CHECK (action IN ('start', 'resume', 'timeout', 'act')),
        ADD COLUMN attempt integer NOT NULL DEFAULT 0,
        ADD COLUMN failures integer NOT NULL DEFAULT 0,
        ADD COLUMN last_error text`);
    await q.query(`
      ALTER TABLE orchestrator.waits
        ADD COLUMN deadline timestamptz,
        ADD COLUMN on_timeout text`);
    // RFC 3339 with milliseconds in UTC, exactly like Date.prototype.toISOString().
    await q.query(`
      CREATE FUNCTION orchestrator.iso(t timestamptz) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        RETURN to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS orchestrator.iso(timestamptz)`);
    await q.query(`ALTER TABLE orchestrator.waits DROP COLUMN deadline, DROP COLUMN on_timeout`);
    await q.query(`DELETE FROM orchestrator.timers WHERE action NOT IN ('start', 'resume')`);
    await q.query(`ALTER TABLE orchestrator.timers DROP CONSTRAINT timers_action_check, DROP COLUMN attempt, DROP COLUMN failures, DROP COLUMN last_error`);
    await q.query(`ALTER TABLE orchestrator.timers ADD CONSTRAINT timers_action_check CHECK (action IN ('start', 'resume'))`);
    await q.query(`ALTER TABLE orchestrator.stage_runs DROP COLUMN status, DROP COLUMN history_name, DROP COLUMN output, DROP COLUMN attempts`);
    await q.query(`DROP INDEX orchestrator.instances_running`);
    await q.query(`UPDATE orchestrator.instances i SET config = w.config FROM orchestrator.workflows w WHERE w.id = i.workflow_id AND i.config IS NULL`);
    await q.query(`ALTER TABLE orchestrator.instances DROP COLUMN status, ALTER COLUMN config SET NOT NULL`);
  }
}
