import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Concurrency rules with `scope: workflow` (docs/triggers.md#flow-control-policy): their slots
 * are shared by every trigger of the workflow that declares the same rule.
 * - `flow_queue.concurrency_scopes`: per concurrency rule of the start, the shared slot owner
 *   (`<workflow id>/<rule hash>`), or `''` for a rule of scope `trigger` (rows written before
 *   have none: every rule is the trigger's own).
 * - `flow_slots.scope`: the shared owner of the slot, `''` for the trigger's own slots (counted
 *   per trigger, rule and key as before); shared slots are counted per (scope, key) whatever
 *   the trigger and rule index that took them.
 */
export class FlowScope1732000034500 implements MigrationInterface {
  name = 'FlowScope1732000034500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triggers.flow_queue ADD COLUMN concurrency_scopes text[] NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE triggers.flow_slots ADD COLUMN scope text NOT NULL DEFAULT ''`);
    await q.query(`CREATE INDEX flow_slots_scope_idx ON triggers.flow_slots (scope, key) WHERE scope <> ''`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS triggers.flow_slots_scope_idx`);
    await q.query(`ALTER TABLE triggers.flow_slots DROP COLUMN scope`);
    await q.query(`ALTER TABLE triggers.flow_queue DROP COLUMN concurrency_scopes`);
  }
}
