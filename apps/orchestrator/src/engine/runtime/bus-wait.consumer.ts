import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DeliverPolicy, NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { eventsStreamName, eventsSubjectRoot } from '@wfp/contracts';
import { APP_CONFIG, DurableConsumer, ensureEventsStream, NATS_CONNECTION } from '@wfp/platform';
import type { OrchestratorConfig } from '../../config';
import { ORCHESTRATOR_SCHEMA } from '../../database/schema';
import { managerQuery } from '../store/sql-query';
import { lockSql, matchBusWaits, waitedTypes } from '../store/bus-waits';
import { matchCancelWaits, pruneRecentEvents, recordRecentEvent } from '../store/cancel-waits';
import { collectEvent } from '../store/collect-waits';
import { CoalescedCheck } from '../store/coalesced-check';
import { BusWaitsSystem } from '../systems/bus-waits.system';

export const BUS_WAIT_CONSUMER = 'orchestrator-bus-waits';
/** How often recent events past every lookback are deleted. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The orchestrator's durable JetStream consumer of every domain event (`<namespace>.events.>`)
 * for `wait_for_event`, `wait_for_events` and `cancel_on`: exactly once through the inbox (see DurableConsumer); an event of a type
 * no instance waits for is acked without a transaction of its own (the existence checks of a
 * type are coalesced: coalesced-check.ts); otherwise the waits of that type only are
 * matched (bus-wait-matcher.ts) and completed in the same transaction. The durable starts at new
 * events when first created (no wait can be older than it). Events that arrive while the
 * orchestrator is down wait in JetStream and are matched when it is back.
 */
@Injectable()
export class BusWaitConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: DurableConsumer;
  private pruner?: NodeJS.Timeout;
  /** The after-commit steps of the transactions that completed waits. */
  private readonly committed: Array<() => void> = [];
  /** "Any wait for this type?": at most one check in flight and one queued, each over every type asked for meanwhile. */
  private readonly waitedTypes = new CoalescedCheck<string>(async (types) => {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      return await waitedTypes(managerQuery(runner.manager), types);
    } finally {
      await runner.release();
    }
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly busWaits: BusWaitsSystem,
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
      shouldHandle: (envelope) => this.waitedTypes.ask(envelope.type),
      handler: async (envelope, manager) => {
        const query = managerQuery(manager);
        await query(lockSql('exclusive'), [envelope.type]);
        await recordRecentEvent(query, envelope);
        const canceled = await matchCancelWaits(query, envelope);
        const matched = await matchBusWaits(query, envelope, canceled);
        const collected = await collectEvent(query, envelope, canceled);
        if (matched.length > 0 || canceled.length > 0 || collected.length > 0) {
          this.committed.push(await this.busWaits.completeBusWaits(manager, { matched, canceled, collected }, envelope));
        }
      },
      afterCommit: () => {
        for (const done of this.committed.splice(0)) done();
      },
    });
    await this.consumer.start();
    this.pruner = setInterval(() => {
      pruneRecentEvents(managerQuery(this.dataSource.manager)).catch((err: unknown) => this.logger.warn({ err }, 'pruning recent events failed; retrying'));
    }, PRUNE_EVERY_MS);
    this.pruner.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.pruner) clearInterval(this.pruner);
    await this.consumer?.stop();
  }
}
