import { quoteIdent } from '../database/service-database';

/**
 * SQL for the messaging tables a service keeps in its own schema, for use in its migrations:
 * - `outbox`: events written in the same transaction as the state change that caused them (with
 *   the `traceparent` of that transaction's trace, NULL when tracing is off);
 * - `inbox`: (consumer, event id) of every event a consumer has applied, for idempotency;
 * - `dead_letters`: events a consumer gave up on, with the reason, for operators.
 */
export function createOutboxTableSql(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE ${s}.outbox (
       seq bigserial PRIMARY KEY,
       id uuid NOT NULL UNIQUE,
       envelope jsonb NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       published_at timestamptz,
       traceparent text
     )`,
    `CREATE INDEX outbox_unpublished_idx ON ${s}.outbox (seq) WHERE published_at IS NULL`,
  ];
}

export function createInboxTablesSql(schema: string): string[] {
  const s = quoteIdent(schema);
  return [
    `CREATE TABLE ${s}.inbox (
       consumer text NOT NULL,
       event_id text NOT NULL,
       processed_at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (consumer, event_id)
     )`,
    `CREATE TABLE ${s}.dead_letters (
       id bigserial PRIMARY KEY,
       consumer text NOT NULL,
       stream_seq bigint,
       subject text NOT NULL,
       data text NOT NULL,
       deliveries integer NOT NULL,
       reason text NOT NULL,
       failed_at timestamptz NOT NULL DEFAULT now()
     )`,
  ];
}

/**
 * The W3C `traceparent` of the context that wrote an outbox row (NULL when tracing is off), so the
 * relay publishes the event with it and the trace continues through JetStream to the consumers.
 */
export function addOutboxTraceparentSql(schema: string): string[] {
  return [`ALTER TABLE ${quoteIdent(schema)}.outbox ADD COLUMN IF NOT EXISTS traceparent text`];
}

export function dropOutboxTraceparentSql(schema: string): string[] {
  return [`ALTER TABLE ${quoteIdent(schema)}.outbox DROP COLUMN IF EXISTS traceparent`];
}

export function dropMessagingTablesSql(schema: string): string[] {
  const s = quoteIdent(schema);
  return [`DROP TABLE IF EXISTS ${s}.dead_letters`, `DROP TABLE IF EXISTS ${s}.inbox`, `DROP TABLE IF EXISTS ${s}.outbox`];
}
