import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A trigger's `cancel_on` (our extension, docs/triggers.md#cancel-on): the matchers sent as
 * `cancelOn` with every start of the trigger (the orchestrator cancels the instance on them).
 */
export class TriggerCancelOn1732000032000 implements MigrationInterface {
  name = 'TriggerCancelOn1732000032000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triggers.triggers ADD COLUMN cancel_on jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triggers.triggers DROP COLUMN cancel_on`);
  }
}
