import { z } from 'zod';
import { intFromEnv } from '@wfp/platform';

/** `id:secret` pairs, comma-separated. */
const clientsSchema = z
  .string()
  .refine(
    (value) => value.split(',').every((pair) => /^[^:,\s]+:[^,\s]+$/.test(pair.trim())),
    'must be a comma-separated list of client_id:client_secret',
  );

/**
 * Environment variables of Formance-style OAuth2 auth on /api/orchestration and /api/events
 * (merged into the gateway's configuration).
 */
export const formanceAuthEnvShape = {
  /** OAuth2 clients allowed to get tokens (`id:secret,id2:secret2`); none = auth off (a warning at start). */
  FORMANCE_AUTH_CLIENTS: clientsSchema.optional(),
  /**
   * HS256 signing secret of issued JWTs (≥ 32 chars). When unset it is generated once and shared by
   * every gateway replica through NATS (GATEWAY_SHARED_SECRETS=nats, default), or per process.
   */
  FORMANCE_AUTH_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Lifetime of issued access tokens, in seconds. */
  FORMANCE_AUTH_TOKEN_TTL_SECONDS: intFromEnv(10, 86_400).default(3600),
};
