import './tracing';
import 'reflect-metadata';
import { loadConfigOrExit, natsServers, standaloneLogger, waitForNats } from '@wfp/platform';
import { loadGatewayConfig } from './config';
import { createGatewayApp } from './http-app';
import { resolveSharedSecrets } from './shared-secrets/resolve-shared-secrets';

async function main(): Promise<void> {
  const env = loadConfigOrExit(loadGatewayConfig);
  const logger = standaloneLogger('gateway', env.LOG_LEVEL);
  await waitForNats(natsServers(env.NATS_URL), { logger });
  const config = await resolveSharedSecrets(env, logger);
  const app = await createGatewayApp(config);
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const shownHost = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  logger.info({ url: `http://${shownHost}:${port}` }, `gateway listening on http://${shownHost}:${port}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'gateway', msg: 'failed to start', err: String((error as Error)?.stack ?? error) })}\n`,
  );
  process.exit(1);
});
