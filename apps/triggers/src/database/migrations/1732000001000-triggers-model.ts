import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Formance triggers and their occurrences, and Solvimon workflow-trigger records.
 * - `triggers`: candidates are found by the partial index on (event, version) of live triggers.
 * - `generation`: one row bumped with every trigger change, so each replica can cache the
 *   candidates of an event type and know, with one cheap read, when its cache is stale.
 * - `occurrences`: unique (trigger_id, event_id): an event fires a trigger at most once.
 * - `workflow_triggers`: MANUAL records (API) and EVENT records (billing events that fired a
 *   trigger), scoped to a platform; `idempotency_keys` replays POSTs with the same key.
 */
export class TriggersModel1732000001000 implements MigrationInterface {
  name = 'TriggersModel1732000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE triggers.triggers (
        id uuid PRIMARY KEY,
        name text,
        event text NOT NULL,
        version text,
        workflow_id text NOT NULL,
        filter text,
        vars jsonb,
        created_at timestamptz NOT NULL,
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX triggers_candidates_idx ON triggers.triggers (event, version) WHERE deleted_at IS NULL`);
    await q.query(`CREATE INDEX triggers_live_created_idx ON triggers.triggers (created_at, id) WHERE deleted_at IS NULL`);
    await q.query(`CREATE TABLE triggers.generation (id int PRIMARY KEY CHECK (id = 1), value bigint NOT NULL)`);
    await q.query(`INSERT INTO triggers.generation (id, value) VALUES (1, 0)`);
    await q.query(`
      CREATE TABLE triggers.occurrences (
        id uuid PRIMARY KEY,
        trigger_id uuid NOT NULL REFERENCES triggers.triggers (id),
        event_id text NOT NULL,
        date timestamptz NOT NULL,
        event jsonb NOT NULL,
        workflow_instance_id text,
        error text,
        chain_depth int NOT NULL DEFAULT 0,
        CONSTRAINT occurrences_once_per_event UNIQUE (trigger_id, event_id)
      )`);
    await q.query(`CREATE INDEX occurrences_trigger_date_idx ON triggers.occurrences (trigger_id, date, id)`);
    await q.query(`
      CREATE TABLE triggers.workflow_triggers (
        seq bigserial NOT NULL UNIQUE,
        id text PRIMARY KEY,
        platform_id text NOT NULL,
        type text NOT NULL CHECK (type IN ('MANUAL', 'EVENT')),
        workflow_id text NOT NULL,
        customer_id text,
        target_type text NOT NULL CHECK (target_type IN ('INVOICE', 'PAYMENT', 'PRICING_PLAN_SUBSCRIPTION', 'WALLET')),
        target_id text NOT NULL,
        target jsonb NOT NULL,
        workflow_instance_id text,
        occurrence_id uuid UNIQUE,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX workflow_triggers_platform_created_idx ON triggers.workflow_triggers (platform_id, created_at, seq)`);
    await q.query(`CREATE INDEX workflow_triggers_workflow_idx ON triggers.workflow_triggers (platform_id, workflow_id)`);
    await q.query(`CREATE INDEX workflow_triggers_customer_idx ON triggers.workflow_triggers (platform_id, customer_id)`);
    await q.query(`CREATE INDEX workflow_triggers_target_idx ON triggers.workflow_triggers (platform_id, target_type, target_id)`);
    await q.query(`
      CREATE TABLE triggers.idempotency_keys (
        platform_id text NOT NULL,
        key text NOT NULL,
        body_hash text NOT NULL,
        workflow_trigger_id text NOT NULL REFERENCES triggers.workflow_triggers (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (platform_id, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['idempotency_keys', 'workflow_triggers', 'occurrences', 'generation', 'triggers']) {
      await q.query(`DROP TABLE IF EXISTS triggers.${table}`);
    }
  }
}
