import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { DeliverPolicy, NatsConnection } from 'nats';
import { PinoLogger } from 'nestjs-pino';
import { EventEnvelope, eventsStreamName, eventsSubjectRoot, WORKFLOW_EVENTS_APP, WORKFLOW_EVENTS_VERSION } from '@wfp/contracts';
import { APP_CONFIG, Clock, CLOCK, DurableConsumer, durableInfo, ensureEventsStream, NATS_CONNECTION } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { SCHEDULES_SCHEMA } from './database/schedules-schema';
import { ScheduleDueLoop } from './schedule-due-loop';
import { rowsOf } from './schedule-rows';

export const INSTANCE_ENDS_CONSUMER = 'schedules-instance-ends';
/**
 * One durable per end type (nats-server 2.9 takes one filter subject per consumer), so that the
 * other lifecycle events (about four per instance) are never delivered here. The first keeps the
 * name of the earlier catch-all durable (`orchestration.v1.>`), whose filter is narrowed in place.
 */
export const INSTANCE_ENDS_DURABLES = { SUCCEEDED_WORKFLOW: INSTANCE_ENDS_CONSUMER, FAILED_WORKFLOW: `${INSTANCE_ENDS_CONSUMER}-failed` } as const;
/** The error of an instance the orchestrator aborted. */
const CANCELED = 'canceled';

/**
 * Learns when the schedules' instances end, from the lifecycle events the orchestrator already
 * publishes (`SUCCEEDED_WORKFLOW`, `FAILED_WORKFLOW`), through a durable consumer per type (one
 * inbox key in the schedules schema: each event applied once). The tick's row is completed, the schedule woken (a
 * buffered tick may start), and paused when `pause_on_failure` is set and the instance failed
 * (not when it was canceled by the schedule itself). An end that arrives before the start was
 * recorded (a pass records it after the call, in a short transaction) is kept in
 * `instance_ends`, and the schedules of that workflow woken: their next pass settles it. No
 * network call here: every transaction is short.
 */
@Injectable()
export class InstanceEndsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumers: DurableConsumer[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly dueLoop: ScheduleDueLoop,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const namespace = this.config.NATS_NAMESPACE;
    const jsm = await this.nc.jetstreamManager();
    await ensureEventsStream(jsm, namespace, this.config.NATS_STREAM_REPLICAS);
    const stream = eventsStreamName(namespace);
    const root = `${eventsSubjectRoot(namespace)}.${WORKFLOW_EVENTS_APP}.${WORKFLOW_EVENTS_VERSION}`;
    // Taking over from the catch-all durable of earlier versions: the durable created for the
    // other end type starts after what it acknowledged, so no end in between is missed.
    const legacy = await durableInfo(jsm, stream, INSTANCE_ENDS_CONSUMER);
    const takeOverSeq = legacy?.config.filter_subject === `${root}.>` ? legacy.ack_floor.stream_seq + 1 : undefined;
    this.consumers = Object.entries(INSTANCE_ENDS_DURABLES).map(
      ([type, durable]) =>
        new DurableConsumer({
          js: this.nc.jetstream(),
          jsm,
          dataSource: this.dataSource,
          schema: SCHEDULES_SCHEMA,
          stream,
          name: durable,
          inboxKey: INSTANCE_ENDS_CONSUMER,
          filterSubject: `${root}.${type}`,
          deliverPolicy: DeliverPolicy.New,
          startSeq: takeOverSeq,
          logger: this.logger.logger.child({ component: 'schedules-instance-ends' }),
          maxDeliver: 50,
          backoffMs: [200, 1000, 5000, 30_000],
          shouldHandle: (envelope) => typeof envelope.payload.instanceID === 'string' && this.mayConcernASchedule(envelope),
          handler: (envelope, manager) => this.instanceEnded(envelope, manager),
          afterCommit: () => this.dueLoop.nudge(),
        }),
    );
    for (const consumer of this.consumers) await consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const consumer of this.consumers) await consumer.stop();
  }

  /**
   * One read instead of a transaction for the ends of instances no schedule started (most of
   * them): an end matters only when a tick's action names the instance, or a live schedule
   * targets its workflow (its start may not be recorded yet). Otherwise the handler would write
   * nothing but the inbox row. Safe against races: an instance that already ended cannot become
   * the start of a schedule created later, and a schedule's start is recorded only for a
   * schedule that existed when the instance was started. Measured: the consumer issued ~5.4
   * statements per published event at 500 events/s (docs/benchmarks.md, issue 24).
   */
  private async mayConcernASchedule(envelope: EventEnvelope): Promise<boolean> {
    // The end event says what started the instance (its origin): a schedule's tick — it matters;
    // a trigger — it is no schedule's start (those are started by the schedule itself). Without an
    // origin (the API, or an orchestrator older than origins) the tables decide.
    if (typeof envelope.payload.scheduleID === 'string') return true;
    if (typeof envelope.payload.triggerID === 'string') return false;
    const [row]: Array<{ concerned: boolean }> = await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM schedules.actions WHERE instance_id = $1)
           OR EXISTS (SELECT 1 FROM schedules.schedules WHERE deleted_at IS NULL AND definition->'action'->>'workflowID' = $2) AS concerned`,
      [envelope.payload.instanceID, String(envelope.payload.id)],
    );
    return row.concerned;
  }

  private async instanceEnded(envelope: EventEnvelope, manager: EntityManager): Promise<void> {
    const instanceId = envelope.payload.instanceID as string;
    const error = typeof envelope.payload.error === 'string' ? envelope.payload.error : null;
    const outcome = envelope.type === 'SUCCEEDED_WORKFLOW' ? 'succeeded' : error === CANCELED ? 'canceled' : 'failed';
    const now = this.clock.now();
    // Locks in the due loop's order (the schedule's row, then its actions), so the two never deadlock.
    const [owner]: Array<{ schedule_id: string }> = await manager.query(`SELECT schedule_id FROM schedules.actions WHERE instance_id = $1`, [instanceId]);
    if (owner) await manager.query(`SELECT id FROM schedules.schedules WHERE id = $1 FOR UPDATE`, [owner.schedule_id]);
    const [ended] = owner
      ? await manager
          .query(
            `UPDATE schedules.actions SET status = 'completed', outcome = $2, ended_at = $3, reason = $4, pending = NULL
              WHERE instance_id = $1 AND status IN ('running', 'canceling')
              RETURNING schedule_id, scheduled_time`,
            [instanceId, outcome, now, error],
          )
          .then(rowsOf<{ schedule_id: string; scheduled_time: Date }>)
      : [];
    if (owner && !ended) {
      // Already settled (terminated by a later tick, or ended within its start): a buffered tick may start.
      await manager.query(`UPDATE schedules.schedules SET wake = true WHERE id = $1`, [owner.schedule_id]);
      return;
    }
    if (!ended) {
      // Maybe a start whose pass has not committed yet: keep the end for it, if the workflow is scheduled.
      const woken: unknown[] = await manager
        .query(
          `UPDATE schedules.schedules SET wake = true
            WHERE id IN (SELECT id FROM schedules.schedules WHERE deleted_at IS NULL AND definition->'action'->>'workflowID' = $1 ORDER BY id FOR UPDATE)
            RETURNING id`,
          [String(envelope.payload.id)],
        )
        .then(rowsOf);
      if (woken.length > 0) {
        await manager.query(
          `INSERT INTO schedules.instance_ends (instance_id, outcome, error, ended_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [instanceId, outcome, error, now],
        );
      }
      return;
    }
    const pause = outcome === 'failed' ? `paused on failure: instance ${instanceId} (scheduled ${ended.scheduled_time.toISOString()}) failed: ${error ?? ''}` : null;
    await manager.query(
      `UPDATE schedules.schedules
          SET wake = true,
              paused = paused OR ($2::text IS NOT NULL AND (definition->>'pause_on_failure')::boolean),
              note = CASE WHEN NOT paused AND $2::text IS NOT NULL AND (definition->>'pause_on_failure')::boolean THEN $2 ELSE note END
        WHERE id = $1`,
      [ended.schedule_id, pause],
    );
  }
}

