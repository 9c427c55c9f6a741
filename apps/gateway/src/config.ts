import { z } from 'zod';
import { commonEnvShape, intFromEnv, parseEnv } from '@wfp/platform';
import { formanceAuthEnvShape } from './formance-auth/formance-auth-config';
import { orchestrationEnvShape } from './orchestration/orchestration-config';
import { orchestrationPagingEnvShape } from './orchestration/paging/cursor-config';
import { solvimonEnvShape } from './solvimon/solvimon-config';
import { engageEnvShape } from './engage/engage-config';
import { consoleEnvShape } from './console/console-config';

export const gatewayEnvSchema = z.object({
  ...commonEnvShape,
  PORT: intFromEnv(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** How long the gateway waits for a service to answer a command before answering 503. */
  REQUEST_TIMEOUT_MS: intFromEnv(100, 600_000).default(5000),
  /** Largest request body accepted, in bytes. */
  BODY_LIMIT_BYTES: intFromEnv(1024, 50 * 1024 * 1024).default(1024 * 1024),
  /**
   * Where the token signing and cursor keys come from when their variables are unset: `nats`
   * (generated once, shared by every replica through a JetStream KV bucket) or `process`
   * (generated per process: one gateway replica only).
   */
  GATEWAY_SHARED_SECRETS: z.enum(['nats', 'process']).default('nats'),
  ...formanceAuthEnvShape,
  ...orchestrationEnvShape,
  ...orchestrationPagingEnvShape,
  ...solvimonEnvShape,
  ...engageEnvShape,
  ...consoleEnvShape,
});
export type GatewayConfig = z.infer<typeof gatewayEnvSchema>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseEnv(gatewayEnvSchema, env);
}

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
