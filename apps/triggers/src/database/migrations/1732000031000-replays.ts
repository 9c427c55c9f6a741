import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event replay through triggers (issue 22 part 4, docs/replay.md).
 * - `replays`: one durable job per replay — its window (`from_time`..`to_time`, and `to_seq`, the
 *   stream's last sequence at creation), its frozen trigger selection, its checkpoint
 *   (`last_seq`/`last_time`, written in the transaction that records the firings of a batch) and
 *   counts; `owner`/`lease_until`: the replica running it (replays run one at a time).
 * - `occurrences.replay_id`: the replay that fired the occurrence. `occurrences.refired_by`: set
 *   (to the replay id) when the replay fired a pair beside an earlier occurrence of the same
 *   (trigger, event) — forced, or after a `skipped(paused)` one; the once-per-event constraint
 *   becomes unique (trigger_id, event_id, refired_by) with NULLs equal, so live firings are
 *   still once per (trigger, event) and a replay refires a pair at most once.
 * - `flow_queue.replay_id/forced`: a replay's start waiting in flow control keeps its metadata
 *   and, when forced, its own idempotency key.
 */
export class Replays1732000031000 implements MigrationInterface {
  name = 'Replays1732000031000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE triggers.replays (
        id uuid PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'aborted', 'failed')),
        from_time timestamptz NOT NULL,
        to_time timestamptz NOT NULL,
        to_seq bigint NOT NULL,
        filter text,
        trigger_ids uuid[] NOT NULL,
        dry_run boolean NOT NULL,
        force boolean NOT NULL,
        last_seq bigint NOT NULL DEFAULT 0,
        last_time timestamptz,
        events int NOT NULL DEFAULT 0,
        matched int NOT NULL DEFAULT 0,
        already_fired int NOT NULL DEFAULT 0,
        errors int NOT NULL DEFAULT 0,
        dry_matches jsonb NOT NULL DEFAULT '[]',
        dry_errors jsonb NOT NULL DEFAULT '[]',
        truncated boolean NOT NULL DEFAULT false,
        error text,
        owner text,
        lease_until timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX replays_created_idx ON triggers.replays (created_at, id)`);
    await q.query(`CREATE INDEX replays_running_idx ON triggers.replays (created_at) WHERE status = 'running'`);
    await q.query(`ALTER TABLE triggers.occurrences ADD COLUMN replay_id uuid, ADD COLUMN refired_by uuid`);
    await q.query(`ALTER TABLE triggers.occurrences DROP CONSTRAINT occurrences_once_per_event`);
    await q.query(`ALTER TABLE triggers.occurrences ADD CONSTRAINT occurrences_once_per_event UNIQUE NULLS NOT DISTINCT (trigger_id, event_id, refired_by)`);
    await q.query(`CREATE INDEX occurrences_replay_idx ON triggers.occurrences (replay_id) WHERE replay_id IS NOT NULL`);
    await q.query(`ALTER TABLE triggers.flow_queue ADD COLUMN replay_id uuid, ADD COLUMN forced boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX flow_queue_replay_idx ON triggers.flow_queue (replay_id) WHERE replay_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triggers.flow_queue DROP COLUMN replay_id, DROP COLUMN forced`);
    await q.query(`DELETE FROM triggers.occurrences WHERE refired_by IS NOT NULL`);
    await q.query(`ALTER TABLE triggers.occurrences DROP CONSTRAINT occurrences_once_per_event`);
    await q.query(`ALTER TABLE triggers.occurrences ADD CONSTRAINT occurrences_once_per_event UNIQUE (trigger_id, event_id)`);
    await q.query(`ALTER TABLE triggers.occurrences DROP COLUMN replay_id, DROP COLUMN refired_by`);
    await q.query(`DROP TABLE triggers.replays`);
  }
}
