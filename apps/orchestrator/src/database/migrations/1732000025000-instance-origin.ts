import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A start's origin (our extension): the trigger, schedule and bus event that started the instance;
 * its instance-level lifecycle events carry them (`triggerID`, `scheduleID`, `eventID`).
 */
export class InstanceOrigin1732000025000 implements MigrationInterface {
  name = 'InstanceOrigin1732000025000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orchestrator.instances
      ADD COLUMN origin_trigger_id text, ADD COLUMN origin_schedule_id text, ADD COLUMN origin_event_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE orchestrator.instances
      DROP COLUMN origin_event_id, DROP COLUMN origin_schedule_id, DROP COLUMN origin_trigger_id`);
  }
}
