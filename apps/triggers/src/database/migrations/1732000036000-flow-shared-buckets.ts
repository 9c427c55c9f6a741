import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Throttle, rate limit and singleton of scope `workflow` (docs/triggers.md#flow-control-policy):
 * their state is shared by every trigger of the workflow that declares the same rule.
 * - `flow_buckets.scope`: the shared owner of a GCRA bucket (`<workflow id>/<rule hash>`), its
 *   `trigger_id` then null; `''` for a trigger's own bucket (as before). One bucket per
 *   (trigger, kind, key) of the triggers' own, per (scope, kind, key) of the shared ones.
 * - `flow_queue.singleton_scope`: the shared owner of a start's singleton, `''` for the
 *   trigger's own (its singleton slot in `flow_slots` takes that scope).
 */
export class FlowSharedBuckets1732000036000 implements MigrationInterface {
  name = 'FlowSharedBuckets1732000036000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triggers.flow_buckets ADD COLUMN scope text NOT NULL DEFAULT ''`);
    await q.query(`ALTER TABLE triggers.flow_buckets DROP CONSTRAINT flow_buckets_pkey`);
    await q.query(`ALTER TABLE triggers.flow_buckets ALTER COLUMN trigger_id DROP NOT NULL`);
    await q.query(`ALTER TABLE triggers.flow_buckets ADD CONSTRAINT flow_buckets_owner CHECK ((scope = '') = (trigger_id IS NOT NULL))`);
    await q.query(`CREATE UNIQUE INDEX flow_buckets_own_key ON triggers.flow_buckets (trigger_id, kind, key) WHERE scope = ''`);
    await q.query(`CREATE UNIQUE INDEX flow_buckets_shared_key ON triggers.flow_buckets (scope, kind, key) WHERE scope <> ''`);
    await q.query(`ALTER TABLE triggers.flow_queue ADD COLUMN singleton_scope text NOT NULL DEFAULT ''`);
    await q.query(
      `CREATE INDEX flow_queue_singleton_scope_idx ON triggers.flow_queue (singleton_scope, singleton_key) WHERE singleton_scope <> '' AND state = 'queued'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS triggers.flow_queue_singleton_scope_idx`);
    await q.query(`ALTER TABLE triggers.flow_queue DROP COLUMN singleton_scope`);
    await q.query(`DELETE FROM triggers.flow_buckets WHERE scope <> ''`);
    await q.query(`DROP INDEX IF EXISTS triggers.flow_buckets_shared_key`);
    await q.query(`DROP INDEX IF EXISTS triggers.flow_buckets_own_key`);
    await q.query(`ALTER TABLE triggers.flow_buckets DROP CONSTRAINT flow_buckets_owner`);
    await q.query(`ALTER TABLE triggers.flow_buckets ALTER COLUMN trigger_id SET NOT NULL`);
    await q.query(`ALTER TABLE triggers.flow_buckets ADD PRIMARY KEY (trigger_id, kind, key)`);
    await q.query(`ALTER TABLE triggers.flow_buckets DROP COLUMN scope`);
  }
}
