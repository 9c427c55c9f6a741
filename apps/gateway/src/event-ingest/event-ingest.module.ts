import { Module } from '@nestjs/common';
import { connect } from 'nats';
import { natsClientOptions, natsServers } from '@wfp/platform';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import { FormanceAuthModule } from '../formance-auth/formance-auth.module';
import { EventsController } from './events.controller';
import { EVENTS_NATS_CONNECTION, GatewayEventPublisher } from './event-publisher.service';

/**
 * `POST /api/events`: publishes a domain event for clients without NATS (its own JetStream
 * connection), behind Formance OAuth2 (`FormanceAuthModule`).
 */
@Module({
  imports: [FormanceAuthModule],
  controllers: [EventsController],
  providers: [
    {
      provide: EVENTS_NATS_CONNECTION,
      inject: [GATEWAY_CONFIG],
      useFactory: (config: GatewayConfig) =>
        connect(natsClientOptions(natsServers(config.NATS_URL), 'gateway-events')),
    },
    GatewayEventPublisher,
  ],
})
export class EventIngestModule {}
