import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DeliverPolicy, NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { EventEnvelope, eventsStreamName, eventsSubjectRoot } from '@wfp/contracts';
import { APP_CONFIG, DurableConsumer, ensureEventsStream, NATS_CONNECTION } from '@wfp/platform';
import type { OrchestratorConfig } from '../../config';
import { ORCHESTRATOR_SCHEMA } from '../../database/schema';
import { managerQuery } from '../db/sql-query';
import { anyWaitFor, matchBusWaits, MatchedWait } from './bus-wait-matcher';

export const BUS_WAIT_CONSUMER = 'orchestrator-bus-waits';

/** Completes a matched wait's stage (the engine's side), inside the consumer's transaction. */
export interface BusWaitCompleter {
  completeBusWait(manager: EntityManager, matched: MatchedWait, envelope: EventEnvelope): Promise<void>;
  /** Called after a transaction that completed waits committed (wake the workers, flush the outbox). */
  afterBusWaitsCommitted(): void;
}
export const BUS_WAIT_COMPLETER = Symbol('BUS_WAIT_COMPLETER');

/**
 * The orchestrator's durable JetStream consumer of every domain event (`<namespace>.events.>`)
 * for `wait_for_event`: exactly once through the inbox (see DurableConsumer); an event of a type
 * no instance waits for is acked without a transaction; otherwise the waits of that type only are
 * matched (bus-wait-matcher.ts) and completed in the same transaction. The durable starts at new
 * events when first created (no wait can be older than it). Events that arrive while the
 * orchestrator is down wait in JetStream and are matched when it is back.
 */
@Injectable()
export class BusWaitConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: DurableConsumer;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(BUS_WAIT_COMPLETER) private readonly completer: BusWaitCompleter,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: OrchestratorConfig,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const namespace = this.config.NATS_NAMESPACE;
    const jsm = await this.nc.jetstreamManager();
    await ensureEventsStream(jsm, namespace);
    this.consumer = new DurableConsumer({
      js: this.nc.jetstream(),
      jsm,
      dataSource: this.dataSource,
      schema: ORCHESTRATOR_SCHEMA,
      stream: eventsStreamName(namespace),
      name: BUS_WAIT_CONSUMER,
      filterSubject: `${eventsSubjectRoot(namespace)}.>`,
      deliverPolicy: DeliverPolicy.New,
      logger: this.logger.logger.child({ component: 'bus-wait-consumer' }),
      maxDeliver: 50,
      backoffMs: [200, 1000, 5000, 30_000],
      shouldHandle: (envelope) => this.dataSource.transaction((manager) => anyWaitFor(managerQuery(manager), envelope.type)),
      handler: async (envelope, manager) => {
        for (const matched of await matchBusWaits(managerQuery(manager), envelope)) {
          await this.completer.completeBusWait(manager, matched, envelope);
        }
      },
      afterCommit: () => this.completer.afterBusWaitsCommitted(),
    });
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
