import { z } from 'zod';
import { intFromEnv } from '@wfp/platform';

/** The environment of the acting stages (part of the orchestrator's configuration). */
export const stageEnvShape = {
  /**
   * The SSRF control of the `http` stage: comma-separated hosts it may call (`api.example.com`,
   * `*.example.com` for subdomains). Unset: any host.
   */
  ORCHESTRATOR_HTTP_ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((value) => (value === undefined ? undefined : value.split(',').map((host) => host.trim()).filter(Boolean))),
  /** The user id the `intervention` stage acts as. Unset: the built-in system user. */
  ORCHESTRATOR_INTERVENTIONS_ACTOR_ID: z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-hex user id').optional(),
  /** How long the `intervention` stage waits for the interventions service (then retries). */
  ORCHESTRATOR_INTERVENTIONS_TIMEOUT_MS: intFromEnv(100, 600_000).default(10_000),
  /** Base URL of the Formance Ledger v2 API used by `send` and `update`. Unset: those stages fail. */
  ORCHESTRATOR_LEDGER_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** OAuth2 client credentials for the ledger (unset: no Authorization header). */
  ORCHESTRATOR_LEDGER_CLIENT_ID: z.string().optional(),
  ORCHESTRATOR_LEDGER_CLIENT_SECRET: z.string().optional(),
  /** Token endpoint (default `<ORCHESTRATOR_LEDGER_URL>/oauth/token`). */
  ORCHESTRATOR_LEDGER_TOKEN_URL: z.url({ protocol: /^https?$/ }).optional(),
  ORCHESTRATOR_LEDGER_TIMEOUT_MS: intFromEnv(100, 600_000).default(10_000),
  /** Acting-stage calls (http, intervention, send, update) in flight at once per process. */
  ORCHESTRATOR_ACT_CONCURRENCY: intFromEnv(1, 1024).default(16),
};

export const stageEnvSchema = z.object(stageEnvShape);
export type StageConfig = z.infer<typeof stageEnvSchema>;
