import { MigrationInterface, QueryRunner } from 'typeorm';
import { SCHEDULES_SCHEMA } from './schedules-schema';

/**
 * Orchestrator calls planned in a short transaction and made outside any (no network call while
 * a transaction is open):
 * - `actions.pending`: the call a pass decided for the tick and has not recorded as done yet:
 *   `start` (its instance is started with the tick's idempotency key) or `abort` (its instance is
 *   aborted: cancel_other, terminate_other). A pass that dies before recording it leaves it, and
 *   the next pass makes the call again (both are idempotent).
 * - `schedules.claimed_by`, `claimed_until`: the pass (a random token) working on the schedule
 *   and until when (its lease): other replicas leave the schedule alone meanwhile; once it has
 *   expired (that pass died), any replica takes the schedule and its pending calls.
 */
export class SchedulePlannedCalls1732000026000 implements MigrationInterface {
  name = 'SchedulePlannedCalls1732000026000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = SCHEDULES_SCHEMA;
    await queryRunner.query(`ALTER TABLE ${s}.actions ADD COLUMN pending text`);
    await queryRunner.query(`CREATE INDEX actions_pending_idx ON ${s}.actions (schedule_id, scheduled_time) WHERE pending IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${s}.schedules ADD COLUMN claimed_by uuid, ADD COLUMN claimed_until timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = SCHEDULES_SCHEMA;
    await queryRunner.query(`ALTER TABLE ${s}.schedules DROP COLUMN claimed_by, DROP COLUMN claimed_until`);
    await queryRunner.query(`DROP INDEX ${s}.actions_pending_idx`);
    await queryRunner.query(`ALTER TABLE ${s}.actions DROP COLUMN pending`);
  }
}
