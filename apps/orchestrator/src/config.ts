import { z } from 'zod';
import { commonEnvShape, inboxPruningEnvShape, intFromEnv, parseEnv } from '@wfp/platform';
import { stageEnvShape } from './engine/stages/stage-config';

export const orchestratorEnvSchema = z.object({
  ...commonEnvShape,
  ...stageEnvShape,
  /** The bus-wait consumer's inbox (exactly once) is pruned like the other services'. */
  ...inboxPruningEnvShape,
  /** Worker loops claiming due work in this process (0 = API only, no execution). */
  ORCHESTRATOR_WORKER_CONCURRENCY: intFromEnv(0, 64).default(4),
  /** How often an idle worker looks for due timers (the fallback when no wake-up hint came). */
  ORCHESTRATOR_POLL_INTERVAL_MS: intFromEnv(5, 60_000).default(200),
  /** Due timers one worker loop claims and advances per transaction. */
  ORCHESTRATOR_CLAIM_BATCH: intFromEnv(1, 1000).default(64),
  /** Start statements in flight at once; concurrent starts beyond it are grouped into the next one. */
  ORCHESTRATOR_START_PIPELINE: intFromEnv(1, 64).default(2),
  /**
   * How often the bus-wait consumer re-reads the waited event types (`bus_wait_types`): types
   * another replica recorded, and durables a crash left uncreated. This process reads the types
   * it records itself at once.
   */
  ORCHESTRATOR_BUS_WAIT_TYPES_REFRESH_MS: intFromEnv(50, 600_000).default(2000),
  /** Connections of the engine's Postgres pool (≥ worker concurrency + concurrent commands). */
  ORCHESTRATOR_DB_POOL_SIZE: intFromEnv(1, 200).default(16),
});
export type OrchestratorConfig = z.infer<typeof orchestratorEnvSchema>;

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv = process.env): OrchestratorConfig {
  return parseEnv(orchestratorEnvSchema, env);
}
