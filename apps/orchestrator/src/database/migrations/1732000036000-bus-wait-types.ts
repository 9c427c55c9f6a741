import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event types the bus-wait consumer reads (issue 24): one JetStream durable per type some
 * wait, matcher or lookback has ever named, instead of one durable reading every event. `since`:
 * when the type was first recorded (a durable created later starts a margin before it). Filled
 * from the waits and lookbacks of earlier versions; rows are never deleted.
 */
export class BusWaitTypes1732000036000 implements MigrationInterface {
  name = 'BusWaitTypes1732000036000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orchestrator.bus_wait_types (
        event_type text PRIMARY KEY,
        since timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(`
      INSERT INTO orchestrator.bus_wait_types (event_type)
      SELECT event_type FROM orchestrator.bus_waits
       UNION SELECT event_type FROM orchestrator.cancel_waits
       UNION SELECT event_type FROM orchestrator.collect_waits
       UNION SELECT event_type FROM orchestrator.lookback_types`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS orchestrator.bus_wait_types`);
  }
}
