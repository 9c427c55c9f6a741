import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JetStreamManager, NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { EventEnvelope, eventsStreamName } from '@wfp/contracts';
import { APP_CONFIG, deleteDurable, DurableConsumer, durableInfo, ensureEventsStream, eventTypeSubject, NATS_CONNECTION, typeDurableName } from '@wfp/platform';
import type { OrchestratorConfig } from '../../config';
import { ORCHESTRATOR_SCHEMA } from '../../database/schema';
import { managerQuery } from '../store/sql-query';
import { lockSql, matchBusWaits, waitedTypes } from '../store/bus-waits';
import { BusWaitTypes } from '../store/bus-wait-types';
import { matchCancelWaits, pruneRecentEvents, recordRecentEvent } from '../store/cancel-waits';
import { collectEvent } from '../store/collect-waits';
import { CoalescedCheck } from '../store/coalesced-check';
import { BusWaitsSystem } from '../systems/bus-waits.system';

/** The consumer's inbox key and its durables' name prefix (`orchestrator-bus-waits-<type>-<hash>`). */
export const BUS_WAIT_CONSUMER = 'orchestrator-bus-waits';
/**
 * The one durable of earlier versions, reading every event (`<namespace>.events.>`): the
 * per-type durables take over from its acknowledged position, then it is deleted.
 */
export const LEGACY_BUS_WAIT_DURABLE = BUS_WAIT_CONSUMER;
/**
 * A durable created for a type starts at the events stored from this long before the type was
 * recorded: covers clock skew between the database, the publishers and the NATS server (events
 * from before a wait began are read and match nothing).
 */
export const TYPE_START_MARGIN_MS = 60_000;
/** How often recent events past every lookback are deleted. */
const PRUNE_EVERY_MS = 60_000;

/** The durable reading events of `type` for the waits. */
export function busWaitDurableName(type: string): string {
  return typeDurableName(BUS_WAIT_CONSUMER, type);
}

/**
 * The orchestrator's JetStream consumer for `wait_for_event`, `wait_for_events` and `cancel_on`:
 * one durable per event type some wait, matcher or lookback has named (store/bus-wait-types.ts —
 * events of other types are never read), all applying exactly once through one inbox key (see
 * DurableConsumer). An event of a type no instance waits for right now is acked without a
 * transaction of its own (the existence checks of a type are coalesced: coalesced-check.ts);
 * otherwise the waits of that type only are matched and completed in the same transaction.
 * Events that arrive while the orchestrator is down wait in JetStream and are matched when it is
 * back. Types recorded here are read at once; those recorded by other replicas (and any durable a
 * crash left uncreated) at the next refresh (`ORCHESTRATOR_BUS_WAIT_TYPES_REFRESH_MS`).
 */
@Injectable()
export class BusWaitConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  /** The durables read, by event type. */
  private readonly consumers = new Map<string, DurableConsumer>();
  private jsm?: JetStreamManager;
  private pruner?: NodeJS.Timeout;
  private refresher?: NodeJS.Timeout;
  private stopping = false;
  /** Refreshes run one at a time. */
  private refreshing: Promise<void> = Promise.resolve();
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
    private readonly types: BusWaitTypes,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: OrchestratorConfig,
    private readonly logger: PinoLogger,
  ) {}

  /** The event types read now. */
  get readTypes(): string[] {
    return [...this.consumers.keys()].sort();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.jsm = await this.nc.jetstreamManager();
    await ensureEventsStream(this.jsm, this.config.NATS_NAMESPACE);
    this.types.onRecorded(() => void this.refresh());
    await this.refresh({ takeOver: true });
    this.refresher = setInterval(() => void this.refresh(), this.config.ORCHESTRATOR_BUS_WAIT_TYPES_REFRESH_MS);
    this.refresher.unref();
    this.pruner = setInterval(() => {
      pruneRecentEvents(managerQuery(this.dataSource.manager)).catch((err: unknown) => this.logger.warn({ err }, 'pruning recent events failed; retrying'));
    }, PRUNE_EVERY_MS);
    this.pruner.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.pruner) clearInterval(this.pruner);
    if (this.refresher) clearInterval(this.refresher);
    await this.refreshing;
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.stop()));
  }

  /**
   * Reads a durable for every recorded type not read yet. With `takeOver` (at start): when the
   * catch-all durable of earlier versions exists, the new durables start right after its
   * acknowledged position (nothing it had not applied is missed; the inbox skips what it had),
   * and it is deleted once they all read. A failed refresh is logged and retried at the next one.
   */
  refresh(options: { takeOver?: boolean } = {}): Promise<void> {
    const run = this.refreshing.then(() => this.readRecordedTypes(options));
    this.refreshing = run.catch((err: unknown) => this.logger.warn({ err }, 'reading the waited event types failed; retrying at the next refresh'));
    return options.takeOver ? run : this.refreshing;
  }

  private async readRecordedTypes({ takeOver = false }: { takeOver?: boolean }): Promise<void> {
    if (this.stopping || !this.jsm) return;
    const stream = eventsStreamName(this.config.NATS_NAMESPACE);
    const legacy = takeOver ? await durableInfo(this.jsm, stream, LEGACY_BUS_WAIT_DURABLE) : undefined;
    for (const { type, since } of await this.types.all(managerQuery(this.dataSource.manager))) {
      if (this.consumers.has(type) || this.stopping) continue;
      const consumer = this.consumerOf(type, legacy ? { startSeq: legacy.ack_floor.stream_seq + 1 } : { startTime: new Date(since.getTime() - TYPE_START_MARGIN_MS) });
      await consumer.start();
      this.consumers.set(type, consumer);
    }
    if (legacy) {
      await deleteDurable(this.jsm, stream, LEGACY_BUS_WAIT_DURABLE);
      this.logger.info({ types: this.readTypes }, 'the per-type bus-wait durables took over from the catch-all durable, deleted');
    }
  }

  private consumerOf(type: string, start: { startSeq: number } | { startTime: Date }): DurableConsumer {
    return new DurableConsumer({
      js: this.nc.jetstream(),
      jsm: this.jsm!,
      dataSource: this.dataSource,
      schema: ORCHESTRATOR_SCHEMA,
      stream: eventsStreamName(this.config.NATS_NAMESPACE),
      name: busWaitDurableName(type),
      inboxKey: BUS_WAIT_CONSUMER,
      filterSubject: eventTypeSubject(this.config.NATS_NAMESPACE, type),
      ...start,
      logger: this.logger.logger.child({ component: 'bus-wait-consumer', eventType: type }),
      // One type's events are matched one at a time (its exclusive lock): a few in flight pipeline the rest.
      concurrency: 4,
      maxDeliver: 50,
      backoffMs: [200, 1000, 5000, 30_000],
      shouldHandle: (envelope) => this.waitedTypes.ask(envelope.type),
      handler: (envelope, manager) => this.apply(envelope, manager),
      afterCommit: () => {
        for (const done of this.committed.splice(0)) done();
      },
    });
  }

  /** Matches one event against the waits, matchers and lookbacks of its type, in the inbox transaction. */
  private async apply(envelope: EventEnvelope, manager: Parameters<typeof managerQuery>[0]): Promise<void> {
    const query = managerQuery(manager);
    await query(lockSql('exclusive'), [envelope.type]);
    await recordRecentEvent(query, envelope);
    const canceled = await matchCancelWaits(query, envelope);
    const matched = await matchBusWaits(query, envelope, canceled);
    const collected = await collectEvent(query, envelope, canceled);
    if (matched.length > 0 || canceled.length > 0 || collected.length > 0) {
      this.committed.push(await this.busWaits.completeBusWaits(manager, { matched, canceled, collected }, envelope));
    }
  }
}
