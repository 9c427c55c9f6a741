import { intFromEnv } from '@wfp/platform';

/** Environment of the Formance Orchestration routes (merged into the gateway's configuration). */
export const orchestrationEnvShape = {
  /** Longest a `runWorkflow?wait=true` blocks before answering with the still-running instance. */
  ORCHESTRATION_RUN_WAIT_TIMEOUT_MS: intFromEnv(0, 3_600_000).default(30_000),
};
