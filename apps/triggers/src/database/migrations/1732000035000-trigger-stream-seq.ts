import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A trigger's `stream_seq`: the events stream's last sequence when the trigger was created. The
 * matcher reads one durable consumer per event type some trigger matches (matching-sources.ts);
 * a durable created for a type starts after the smallest `stream_seq` of its live triggers, so
 * no event published since a trigger's creation is missed. NULL for triggers created before:
 * the matcher takes them over from the catch-all consumer's acknowledged position, then fills it.
 */
export class TriggerStreamSeq1732000035000 implements MigrationInterface {
  name = 'TriggerStreamSeq1732000035000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triggers.triggers ADD COLUMN stream_seq bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE triggers.triggers DROP COLUMN stream_seq`);
  }
}
