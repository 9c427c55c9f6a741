import { MigrationInterface, QueryRunner } from 'typeorm';
import { createInboxPruneIndexSql, createInboxTablesSql } from '@wfp/platform';
import { ORCHESTRATOR_SCHEMA } from '../schema';

/**
 * Acting stages and bus waits (issue 15): the inbox and dead letters of the bus-wait consumer;
 * `bus_waits` — an instance whose current stage waits for
 * a domain event of `event_type` (indexed by type, so matching an event reads only the waits of
 * its type) that satisfies `condition`, published after `began_at`; and `instances.chain_depth`,
 * the trigger-chain depth the instance was started at (events it publishes are one deeper);
 * `timers.lease_id`, the lease of an acting attempt in flight.
 */
export class ActingStages1732000000015 implements MigrationInterface {
  name = 'ActingStages1732000000015';

  async up(q: QueryRunner): Promise<void> {
    // The inbox (exactly-once) and dead letters of the bus-wait consumer.
    for (const sql of createInboxTablesSql(ORCHESTRATOR_SCHEMA)) await q.query(sql);
    for (const sql of createInboxPruneIndexSql(ORCHESTRATOR_SCHEMA)) await q.query(sql);
    await q.query(`
      CREATE TABLE orchestrator.bus_waits (
        instance_id uuid PRIMARY KEY REFERENCES orchestrator.instances (id) ON DELETE CASCADE,
        stage integer NOT NULL,
        event_type text NOT NULL,
        condition text,
        on_event text NOT NULL CHECK (on_event IN ('continue', 'succeed')),
        on_timeout text NOT NULL CHECK (on_timeout IN ('fail', 'continue', 'succeed')),
        save_as text,
        deadline timestamptz,
        began_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX bus_waits_by_type ON orchestrator.bus_waits (event_type, began_at)`);
    await q.query(`ALTER TABLE orchestrator.instances ADD COLUMN chain_depth integer NOT NULL DEFAULT 0`);
    // The lease of an acting attempt in flight (its timer's due_at is the lease's end).
    await q.query(`ALTER TABLE orchestrator.timers ADD COLUMN lease_id uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orchestrator.timers DROP COLUMN lease_id`);
    await q.query(`ALTER TABLE orchestrator.instances DROP COLUMN chain_depth`);
    await q.query(`DROP TABLE IF EXISTS orchestrator.bus_waits, orchestrator.inbox, orchestrator.dead_letters`);
  }
}
