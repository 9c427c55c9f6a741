import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { natsClientOptions } from './client-options';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

@Injectable()
class NatsConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}

/** A NATS connection (for JetStream publishing and consuming) shared by a service's modules. */
@Global()
@Module({})
export class NatsConnectionModule {
  static forRoot(options: { servers: string[]; name: string }): DynamicModule {
    return {
      module: NatsConnectionModule,
      providers: [
        {
          provide: NATS_CONNECTION,
          useFactory: () => connect(natsClientOptions(options.servers, options.name)),
        },
        NatsConnectionCloser,
      ],
      exports: [NATS_CONNECTION],
    };
  }
}
