import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { natsClientOptions } from './client-options';
import { coalesceWrites } from './coalesced-writes';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

@Injectable()
class NatsConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}
  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }
}

/**
 * A NATS connection (for JetStream publishing and consuming) shared by a service's modules. Its
 * writes are coalesced per event-loop turn (coalesced-writes.ts): the acks, pull requests and
 * publishes that consumers and the outbox relay send from separate I/O callbacks go out in one
 * socket write.
 */
@Global()
@Module({})
export class NatsConnectionModule {
  static forRoot(options: { servers: string[]; name: string }): DynamicModule {
    return {
      module: NatsConnectionModule,
      providers: [
        {
          provide: NATS_CONNECTION,
          useFactory: async () => {
            const nc = await connect(natsClientOptions(options.servers, options.name));
            coalesceWrites(nc);
            return nc;
          },
        },
        NatsConnectionCloser,
      ],
      exports: [NATS_CONNECTION],
    };
  }
}
