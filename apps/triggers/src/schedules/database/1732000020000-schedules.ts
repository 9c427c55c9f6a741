import { MigrationInterface, QueryRunner } from 'typeorm';
import { createInboxTablesSql } from '@wfp/platform';
import { SCHEDULES_SCHEMA } from './schedules-schema';

/**
 * The schedules schema:
 * - `schedules`: one row per schedule: its definition, pause state, remaining actions and the
 *   due cursor (`next_scheduled_at`: the next fire time not yet taken; `next_action_at`: that time
 *   plus its jitter, when the due loop takes it). `wake` is set when something may let a buffered
 *   tick start (an instance of the schedule ended, a backfill added ticks).
 * - `actions`: one row per (schedule, scheduled time), the primary key that makes each tick happen
 *   once: buffered, running, completed, skipped, missed, published or failed.
 * - `instance_ends`: ends of instances of scheduled workflows seen before their start was recorded.
 * - `inbox`, `dead_letters`: of the consumer of the orchestrator's lifecycle events.
 */
export class Schedules1732000020000 implements MigrationInterface {
  name = 'Schedules1732000020000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = SCHEDULES_SCHEMA;
    for (const sql of [
      `CREATE SCHEMA IF NOT EXISTS ${s}`,
      `CREATE TABLE ${s}.schedules (
         id uuid PRIMARY KEY,
         name text NOT NULL,
         definition jsonb NOT NULL,
         paused boolean NOT NULL DEFAULT false,
         note text,
         remaining_actions integer,
         next_scheduled_at timestamptz,
         next_action_at timestamptz,
         wake boolean NOT NULL DEFAULT false,
         missed_catchup_window bigint NOT NULL DEFAULT 0,
         created_at timestamptz NOT NULL,
         updated_at timestamptz NOT NULL,
         deleted_at timestamptz
       )`,
      `CREATE INDEX schedules_due_idx ON ${s}.schedules (next_action_at) WHERE deleted_at IS NULL AND NOT paused`,
      `CREATE INDEX schedules_wake_idx ON ${s}.schedules (id) WHERE wake AND deleted_at IS NULL`,
      `CREATE INDEX schedules_created_idx ON ${s}.schedules (created_at, id) WHERE deleted_at IS NULL`,
      `CREATE TABLE ${s}.actions (
         schedule_id uuid NOT NULL REFERENCES ${s}.schedules (id),
         scheduled_time timestamptz NOT NULL,
         seq bigserial NOT NULL,
         source text NOT NULL,
         overlap text NOT NULL,
         status text NOT NULL,
         actual_time timestamptz,
         instance_id text,
         event_id uuid,
         outcome text,
         ended_at timestamptz,
         reason text,
         PRIMARY KEY (schedule_id, scheduled_time)
       )`,
      `CREATE INDEX actions_open_idx ON ${s}.actions (schedule_id, scheduled_time, seq) WHERE status IN ('buffered', 'running', 'canceling')`,
      `CREATE INDEX actions_recent_idx ON ${s}.actions (schedule_id, seq DESC)`,
      `CREATE UNIQUE INDEX actions_instance_idx ON ${s}.actions (instance_id) WHERE instance_id IS NOT NULL`,
      `CREATE TABLE ${s}.instance_ends (
         instance_id text PRIMARY KEY,
         outcome text NOT NULL,
         error text,
         ended_at timestamptz NOT NULL
       )`,
      ...createInboxTablesSql(s),
    ]) {
      await queryRunner.query(sql);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP SCHEMA IF EXISTS ${SCHEDULES_SCHEMA} CASCADE`);
  }
}
