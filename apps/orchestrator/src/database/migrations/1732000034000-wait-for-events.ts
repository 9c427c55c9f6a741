import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `wait_for_events` (issue 22): the matchers of an instance's `wait_for_events` stages, recorded
 * from its start (`collect_waits`, `began_at` the database clock after the type's shared lock:
 * events published after it count), and the events they collected (`collected_events`).
 */
export class WaitForEvents1732000034000 implements MigrationInterface {
  name = 'WaitForEvents1732000034000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE orchestrator.collect_waits (
        instance_id uuid NOT NULL,
        stage int NOT NULL,
        matcher int NOT NULL,
        event_type text NOT NULL,
        condition text,
        vars jsonb NOT NULL DEFAULT '{}',
        began_at timestamptz NOT NULL,
        PRIMARY KEY (instance_id, stage, matcher)
      )`);
    await q.query(`CREATE INDEX collect_waits_by_type ON orchestrator.collect_waits (event_type, began_at)`);
    await q.query(`
      CREATE TABLE orchestrator.collected_events (
        id bigserial PRIMARY KEY,
        instance_id uuid NOT NULL,
        stage int NOT NULL,
        matcher int NOT NULL,
        event_id text NOT NULL,
        payload jsonb NOT NULL,
        UNIQUE (instance_id, stage, matcher, event_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS orchestrator.collect_waits, orchestrator.collected_events`);
  }
}
