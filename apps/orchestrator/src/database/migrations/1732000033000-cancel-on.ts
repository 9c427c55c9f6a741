import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `cancel_on` (issue 22): an instance's cancel matchers (`cancel_waits`, one row per matcher,
 * from its start to its end), the event that canceled it (`canceled_by`) or that asked for a
 * cancel while an acting stage's call was in flight (`cancel_requested_by`), and the recent
 * events of the types some matcher looks back on (`recent_events`, pruned past the longest
 * lookback of `lookback_types`).
 */
export class CancelOn1732000033000 implements MigrationInterface {
  name = 'CancelOn1732000033000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orchestrator.instances ADD COLUMN canceled_by text, ADD COLUMN cancel_requested_by text`);
    await q.query(`
      CREATE TABLE orchestrator.cancel_waits (
        instance_id uuid NOT NULL,
        matcher int NOT NULL,
        event_type text NOT NULL,
        condition text,
        trigger_event jsonb,
        start_vars jsonb,
        match_path text[],
        match_value text,
        not_before timestamptz NOT NULL,
        deadline timestamptz,
        PRIMARY KEY (instance_id, matcher)
      )`);
    await q.query(`CREATE INDEX cancel_waits_by_type ON orchestrator.cancel_waits (event_type, match_value)`);
    await q.query(`
      CREATE TABLE orchestrator.lookback_types (
        event_type text PRIMARY KEY,
        lookback_ms bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE orchestrator.recent_events (
        id text PRIMARY KEY,
        event_type text NOT NULL,
        date timestamptz NOT NULL,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX recent_events_by_type ON orchestrator.recent_events (event_type, date)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS orchestrator.cancel_waits, orchestrator.lookback_types, orchestrator.recent_events`);
    await q.query(`ALTER TABLE orchestrator.instances DROP COLUMN canceled_by, DROP COLUMN cancel_requested_by`);
  }
}
