import { connect } from 'nats';
import type { Logger } from 'pino';
import { natsClientOptions, natsServers, sharedSecret, sharedSecretsBucket } from '@wfp/platform';
import type { GatewayConfig } from '../config';

/** The gateway secrets that must be equal on every replica (tokens and cursors span replicas). */
const SHARED = ['FORMANCE_AUTH_SIGNING_SECRET', 'ORCHESTRATION_CURSOR_SECRET'] as const;

/**
 * Makes every gateway replica use the same token signing key and cursor key, so a token or a v2
 * cursor issued by one replica is accepted by all of them and survives restarts:
 * - a secret set in the environment (≥ 32 chars, e.g. from a Kubernetes Secret) is used as is;
 * - an unset one is shared through NATS (`GATEWAY_SHARED_SECRETS=nats`, the default): generated
 *   once by whichever replica starts first and stored in the JetStream KV bucket
 *   `<namespace>_shared_secrets` (create-if-absent), read by all the others;
 * - with `GATEWAY_SHARED_SECRETS=process` an unset secret is generated per process (tokens and
 *   cursors then die with the process and are refused by other replicas: one gateway only).
 * Secrets are never logged; only where they come from.
 */
export async function resolveSharedSecrets(config: GatewayConfig, logger: Logger): Promise<GatewayConfig> {
  const missing = SHARED.filter((name) => !config[name]);
  if (missing.length === 0 || config.GATEWAY_SHARED_SECRETS === 'process') {
    logger.info(
      { fromEnvironment: SHARED.filter((name) => config[name]), perProcess: missing },
      missing.length === 0 ? 'gateway secrets from the environment' : 'some gateway secrets are generated per process (one gateway replica only)',
    );
    return config;
  }
  const nc = await connect({ ...natsClientOptions(natsServers(config.NATS_URL), 'gateway-secrets'), waitOnFirstConnect: false });
  try {
    const resolved: GatewayConfig = { ...config };
    for (const name of missing) {
      resolved[name] = await sharedSecret(nc, config.NATS_NAMESPACE, name, config.NATS_STREAM_REPLICAS);
    }
    logger.info(
      { fromEnvironment: SHARED.filter((name) => config[name]), sharedThroughNats: missing, bucket: sharedSecretsBucket(config.NATS_NAMESPACE) },
      'gateway secrets shared by every replica through a JetStream KV bucket',
    );
    return resolved;
  } finally {
    await nc.close();
  }
}
