import { Module } from '@nestjs/common';
import { connect } from 'nats';
import { natsClientOptions, natsServers } from '@wfp/platform';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { FormanceAuthModule } from '../formance-auth/formance-auth.module';
import { BusTailService, CONSOLE_NATS_CONNECTION } from './bus-tail.service';
import { ConsoleEventsController } from './console-events.controller';

/**
 * The console's one server endpoint: the bus-event stream (its static files are mounted in
 * `http-app.ts`). Holds no state beyond the open streams.
 */
@Module({
  imports: [FormanceAuthModule],
  controllers: [ConsoleEventsController],
  providers: [
    {
      provide: CONSOLE_NATS_CONNECTION,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        connect(natsClientOptions(natsServers(config.NATS_URL), 'gateway-console')),
    },
    BusTailService,
  ],
})
export class ConsoleModule {}
