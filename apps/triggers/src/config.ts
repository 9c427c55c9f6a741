import { z } from 'zod';
import { commonEnvShape, inboxPruningEnvShape, intFromEnv, parseEnv } from '@wfp/platform';
import { schedulesEnvShape } from './schedules/schedules-config';

export const triggersEnvSchema = z.object({
  ...commonEnvShape,
  ...inboxPruningEnvShape,
  ...schedulesEnvShape,
  /** How long the service waits for the orchestrator to answer a command. */
  TRIGGERS_ORCHESTRATOR_TIMEOUT_MS: intFromEnv(100, 600_000).default(10_000),
  /**
   * Batches of events the matching consumer handles at once. Each batch holds at most one
   * database connection at a time, and never across a network call.
   */
  TRIGGERS_CONSUMER_CONCURRENCY: intFromEnv(1, 64).default(4),
  /** Most events in one batch (one start-many command, one transaction). */
  TRIGGERS_CONSUMER_BATCH_SIZE: intFromEnv(1, 1000).default(100),
  /**
   * How often each replica looks whether the trigger set changed (one single-row read), to read
   * the durables of new event types and drop those no trigger matches any more. A new type's
   * durable starts at the trigger's creation, so this delays its first match, never loses one.
   */
  TRIGGERS_SOURCES_REFRESH_MS: intFromEnv(50, 60_000).default(250),
  /**
   * Postgres connections of the service; must exceed TRIGGERS_CONSUMER_CONCURRENCY (the API's
   * requests need connections too).
   */
  TRIGGERS_DB_POOL_SIZE: intFromEnv(2, 500).default(10),
  /**
   * Deliveries of an event before it is dead-lettered (retries wait 1 s, 5 s, 30 s, then 60 s:
   * the default rides out an orchestrator outage of about 45 minutes).
   */
  TRIGGERS_CONSUMER_MAX_DELIVER: intFromEnv(1, 1000).default(50),
  /**
   * Longest chain of triggers firing on SUCCEEDED_TRIGGER/FAILED_TRIGGER events of other
   * triggers (a trigger never fires on its own lifecycle events); deeper events fire nothing.
   */
  TRIGGERS_MAX_CHAIN_DEPTH: intFromEnv(0, 100).default(5),
}).superRefine((config, ctx) => {
  if (config.TRIGGERS_DB_POOL_SIZE <= config.TRIGGERS_CONSUMER_CONCURRENCY) {
    ctx.addIssue({
      code: 'custom',
      path: ['TRIGGERS_DB_POOL_SIZE'],
      message: `must be greater than TRIGGERS_CONSUMER_CONCURRENCY (${config.TRIGGERS_CONSUMER_CONCURRENCY})`,
    });
  }
});
export type TriggersConfig = z.infer<typeof triggersEnvSchema>;

export function loadTriggersConfig(env: NodeJS.ProcessEnv = process.env): TriggersConfig {
  return parseEnv(triggersEnvSchema, env);
}
