import { MigrationInterface, QueryRunner } from 'typeorm';

/** Workflows, instances and the engine's durable work items (timers, waits, buffered events). */
export class WorkflowEngine1732000000001 implements MigrationInterface {
  name = 'WorkflowEngine1732000000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orchestrator.workflows (
        id uuid PRIMARY KEY,
        config jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX workflows_list ON orchestrator.workflows (created_at, id) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE orchestrator.instances (
        id uuid PRIMARY KEY,
        workflow_id uuid NOT NULL REFERENCES orchestrator.workflows (id),
        config jsonb NOT NULL,
        variables jsonb NOT NULL,
        idempotency_key text UNIQUE,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        terminated boolean NOT NULL DEFAULT false,
        terminated_at timestamptz,
        error text
      )`);
    await q.query(`CREATE INDEX instances_list ON orchestrator.instances (created_at, id)`);
    await q.query(`CREATE INDEX instances_by_workflow ON orchestrator.instances (workflow_id, created_at, id)`);
    // One row per started stage: what GET instance shows as status[] and /history as entries.
    await q.query(`
      CREATE TABLE orchestrator.stage_runs (
        instance_id uuid NOT NULL REFERENCES orchestrator.instances (id) ON DELETE CASCADE,
        stage integer NOT NULL,
        kind text NOT NULL,
        input jsonb,
        started_at timestamptz NOT NULL,
        terminated_at timestamptz,
        error text,
        PRIMARY KEY (instance_id, stage)
      )`);
    // The work queue: an instance has a pending step when a row is here and due_at <= now.
    // action 'start' starts stage \`stage\`; 'resume' completes a sleeping stage (delay).
    await q.query(`
      CREATE TABLE orchestrator.timers (
        instance_id uuid PRIMARY KEY REFERENCES orchestrator.instances (id) ON DELETE CASCADE,
        stage integer NOT NULL,
        action text NOT NULL CHECK (action IN ('start', 'resume')),
        due_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX timers_due ON orchestrator.timers (due_at)`);
    // An instance whose current stage waits for an event name.
    await q.query(`
      CREATE TABLE orchestrator.waits (
        instance_id uuid PRIMARY KEY REFERENCES orchestrator.instances (id) ON DELETE CASCADE,
        stage integer NOT NULL,
        event text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    // Events sent before a wait_event asked for them; the first matching wait_event consumes one.
    await q.query(`
      CREATE TABLE orchestrator.buffered_events (
        id bigserial PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES orchestrator.instances (id) ON DELETE CASCADE,
        name text NOT NULL,
        received_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX buffered_events_lookup ON orchestrator.buffered_events (instance_id, name, id)`);
    // External calls made by a stage (stage history); empty for noop/delay/wait_event.
    await q.query(`
      CREATE TABLE orchestrator.activity_log (
        id bigserial PRIMARY KEY,
        instance_id uuid NOT NULL REFERENCES orchestrator.instances (id) ON DELETE CASCADE,
        stage integer NOT NULL,
        name text NOT NULL,
        input jsonb NOT NULL,
        output jsonb,
        error text,
        terminated boolean NOT NULL DEFAULT false,
        started_at timestamptz NOT NULL,
        terminated_at timestamptz,
        last_failure text,
        attempt integer NOT NULL DEFAULT 1,
        next_execution timestamptz
      )`);
    await q.query(`CREATE INDEX activity_log_stage ON orchestrator.activity_log (instance_id, stage, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['activity_log', 'buffered_events', 'waits', 'timers', 'stage_runs', 'instances', 'workflows']) {
      await q.query(`DROP TABLE IF EXISTS orchestrator.${table}`);
    }
  }
}
