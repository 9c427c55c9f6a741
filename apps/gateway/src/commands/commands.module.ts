import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { CommandClient, natsServers } from '@wfp/platform';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';

/** The gateway's one NATS command client, connected for the life of the application. */
@Injectable()
export class GatewayCommandClient extends CommandClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    super({
      servers: natsServers(config.NATS_URL),
      namespace: config.NATS_NAMESPACE,
      timeoutMs: config.REQUEST_TIMEOUT_MS,
      name: 'gateway',
    });
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

@Global()
@Module({ providers: [GatewayCommandClient], exports: [GatewayCommandClient] })
export class CommandsModule {}
