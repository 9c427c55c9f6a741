import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Flow control on triggers (issue 20): every piece of state in Postgres, so that several
 * replicas share it and a kill -9 loses nothing.
 * - `triggers.policy`: the trigger's policy (null: none — the matcher's hot path is unchanged).
 * - `occurrences.outcome/reason/canceled_by`: the decision each occurrence records.
 * - `flow_queue`: starts waiting for admission (`queued`) or being started (`starting`); the
 *   row id is the occurrence id. `not_before` holds debounce timers; `ready_at` is the enqueue
 *   time minus the priority head start; `fair_key` is the bucket admitted round robin.
 * - `flow_slots`: concurrency and singleton slots held by admitted starts until their instance
 *   ends (rule -1 is the singleton rule); `active`/`stage`: whether the instance's current stage
 *   acts (for `hold: active`), from its latest stage event.
 * - `flow_ended`: instance ends seen before their start was recorded (no slot is ever leaked);
 *   `flow_early_stages`: likewise the latest stage start (`hold: active`).
 * - `flow_buckets`: GCRA state (theoretical arrival time) of throttle and rate-limit keys.
 * - `flow_idempotency`: idempotency keys until they expire.
 */
export class FlowControl1732000020000 implements MigrationInterface {
  name = 'FlowControl1732000020000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triggers.triggers ADD COLUMN policy jsonb`);
    await q.query(`ALTER TABLE triggers.occurrences ADD COLUMN outcome text, ADD COLUMN reason text, ADD COLUMN canceled_by uuid`);
    await q.query(`
      CREATE TABLE triggers.flow_queue (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL,
        trigger_id uuid NOT NULL REFERENCES triggers.triggers (id),
        event_id text NOT NULL,
        workflow_id text NOT NULL,
        variables jsonb NOT NULL,
        chain_depth int NOT NULL,
        state text NOT NULL CHECK (state IN ('queued', 'starting')),
        fair_key text NOT NULL,
        concurrency_keys text[] NOT NULL,
        concurrency_limits int[] NOT NULL,
        throttle_key text,
        singleton_key text,
        debounce_key text,
        debounce_first_at timestamptz,
        cancel_instances text[] NOT NULL DEFAULT '{}',
        enqueued_at timestamptz NOT NULL,
        ready_at timestamptz NOT NULL,
        not_before timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX flow_queue_admission_idx ON triggers.flow_queue (trigger_id, fair_key, ready_at, seq) WHERE state = 'queued'`);
    await q.query(`CREATE INDEX flow_queue_due_idx ON triggers.flow_queue (not_before, trigger_id)`);
    await q.query(`CREATE INDEX flow_queue_debounce_idx ON triggers.flow_queue (trigger_id, debounce_key) WHERE debounce_key IS NOT NULL`);
    await q.query(`
      CREATE TABLE triggers.flow_slots (
        occurrence_id uuid NOT NULL,
        rule int NOT NULL,
        trigger_id uuid NOT NULL,
        key text NOT NULL,
        workflow_id text NOT NULL,
        instance_id text,
        admitted_at timestamptz NOT NULL,
        active boolean NOT NULL DEFAULT true,
        stage int NOT NULL DEFAULT -1,
        PRIMARY KEY (occurrence_id, rule)
      )`);
    await q.query(`CREATE INDEX flow_slots_key_idx ON triggers.flow_slots (trigger_id, rule, key)`);
    await q.query(`CREATE INDEX flow_slots_instance_idx ON triggers.flow_slots (instance_id)`);
    await q.query(`CREATE TABLE triggers.flow_ended (instance_id text PRIMARY KEY, ended_at timestamptz NOT NULL)`);
    await q.query(`
      CREATE TABLE triggers.flow_early_stages (
        instance_id text PRIMARY KEY,
        stage int NOT NULL,
        active boolean NOT NULL,
        seen_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE triggers.flow_buckets (
        trigger_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('throttle', 'rate_limit')),
        key text NOT NULL,
        tat timestamptz NOT NULL,
        PRIMARY KEY (trigger_id, kind, key)
      )`);
    await q.query(`
      CREATE TABLE triggers.flow_idempotency (
        trigger_id uuid NOT NULL,
        key text NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (trigger_id, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['flow_idempotency', 'flow_buckets', 'flow_early_stages', 'flow_ended', 'flow_slots', 'flow_queue']) await q.query(`DROP TABLE IF EXISTS triggers.${table}`);
    await q.query(`ALTER TABLE triggers.occurrences DROP COLUMN outcome, DROP COLUMN reason, DROP COLUMN canceled_by`);
    await q.query(`ALTER TABLE triggers.triggers DROP COLUMN policy`);
  }
}
