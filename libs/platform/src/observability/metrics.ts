/**
 * The platform's Prometheus metrics (prom-client, default registry: one process, one service).
 * Every metric is created once per process and only counted on hot paths (no I/O); gauges that
 * need a look-up (JetStream consumer info, outbox backlog) are computed when /metrics is scraped.
 * Names are documented in docs/observability.md; tests check the dashboards use only these.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, register, Registry } from 'prom-client';

export const METRICS_PREFIX = 'wfp_';

/** Latency buckets (seconds) for commands, HTTP requests and SQL-bound work. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Buckets (seconds) for lags and stage durations, which range from milliseconds to hours. */
const LONG_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 21600, 86400];

function counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
  return (register.getSingleMetric(name) as Counter<L>) ?? new Counter({ name, help, labelNames });
}
function histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]): Histogram<L> {
  return (register.getSingleMetric(name) as Histogram<L>) ?? new Histogram({ name, help, labelNames, buckets });
}
function gauge<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: (this: Gauge<L>) => void | Promise<void>,
): Gauge<L> {
  return (register.getSingleMetric(name) as Gauge<L>) ?? new Gauge({ name, help, labelNames, collect });
}

/** Every metric the platform exports, by concern. */
export const metrics = {
  // HTTP (gateway)
  httpRequests: counter('wfp_http_requests_total', 'HTTP requests served, by method, route template and status.', ['method', 'route', 'status']),
  httpDuration: histogram('wfp_http_request_duration_seconds', 'HTTP request duration, by method, route template and status.', ['method', 'route', 'status'], LATENCY_BUCKETS),

  // NATS commands
  commandClientDuration: histogram('wfp_nats_command_client_duration_seconds', 'Round trip of a NATS command sent by this service, by subject and outcome (ok, error_reply, timeout, no_responders, bus_unavailable, invalid_reply, exception).', ['subject', 'outcome'], LATENCY_BUCKETS),
  commandClientErrors: counter('wfp_nats_command_client_errors_total', 'NATS commands sent that got no valid reply, by subject and reason (timeout, no_responders, bus_unavailable, invalid_reply, exception).', ['subject', 'reason']),
  commandServerDuration: histogram('wfp_nats_command_server_duration_seconds', 'Time a service took to handle a NATS command, by subject and outcome (ok, error_reply, unavailable, exception).', ['subject', 'outcome'], LATENCY_BUCKETS),
  commandServerErrors: counter('wfp_nats_command_server_errors_total', 'NATS commands whose handling was not ok (error_reply, unavailable, exception), by subject and outcome.', ['subject', 'outcome']),

  // Workflow engine (orchestrator)
  instancesStarted: counter('wfp_workflow_instances_started_total', 'Workflow instances created.'),
  instancesSucceeded: counter('wfp_workflow_instances_succeeded_total', 'Workflow instances that ended successfully.'),
  instancesFailed: counter('wfp_workflow_instances_failed_total', 'Workflow instances that ended in failure, by reason (failed, canceled).', ['reason']),
  stagesEnded: counter('wfp_workflow_stages_total', 'Stage runs that ended, by stage kind and status.', ['kind', 'status']),
  stageDuration: histogram('wfp_workflow_stage_duration_seconds', 'Duration of a stage run from start to end, by stage kind and status.', ['kind', 'status'], LONG_BUCKETS),
  timerLag: histogram('wfp_workflow_timer_lag_seconds', 'Delay between a timer being due and the engine running it.', [], LONG_BUCKETS),

  // Triggers
  triggerEvaluations: counter('wfp_trigger_evaluations_total', 'Trigger candidates evaluated against an event (filter run).'),
  triggerMatches: counter('wfp_trigger_matches_total', 'Trigger evaluations that matched and fired, by result (started, failed).', ['result']),
  triggerFilterErrors: counter('wfp_trigger_filter_errors_total', 'Trigger filters that failed to evaluate on an event (counted as no match).'),
  triggerFlowDecisions: counter('wfp_trigger_flow_decisions_total', 'Flow-control decisions that did not start at once, by trigger, outcome (queued, skipped) and reason.', ['trigger_id', 'outcome', 'reason']),
  triggerReplayPairs: counter('wfp_trigger_replay_pairs_total', 'Replayed (trigger, event) pairs that matched, by result (fired, already_fired, dry_run).', ['result']),
  triggerReplayEvents: counter('wfp_trigger_replay_events_total', 'Events read from the stream by replays.'),
  triggerReplays: counter('wfp_trigger_replays_total', 'Replays ended, by status (succeeded, aborted, failed).', ['status']),

  // Schedules (triggers service)
  scheduleActions: counter('wfp_schedule_actions_total', 'Schedule ticks settled, by result (started, published, skipped, failed, canceled, terminated).', ['result']),
  scheduleMissedCatchupWindow: counter('wfp_schedule_missed_catchup_window_total', 'Schedule ticks older than their catch-up window when the service got to them (counted, never run).'),

  // JetStream consumers
  consumerHandled: counter('wfp_jetstream_consumer_messages_total', 'Messages handled by a durable consumer, by consumer and outcome (applied, duplicate, skipped, retried, dead_lettered).', ['consumer', 'outcome']),
  consumerRedeliveries: counter('wfp_jetstream_consumer_redeliveries_total', 'Deliveries of a message that had been delivered before, by consumer.', ['consumer']),
  consumerDeadLetters: counter('wfp_jetstream_consumer_dead_letters_total', 'Messages a consumer gave up on and kept in dead_letters, by consumer.', ['consumer']),
  consumerHandleDuration: histogram('wfp_jetstream_consumer_handle_duration_seconds', 'Time to handle one message (transaction included), by consumer.', ['consumer'], LATENCY_BUCKETS),

  // Outbox
  outboxPublished: counter('wfp_outbox_published_total', 'Outbox rows published to JetStream, by schema.', ['schema']),
  outboxRelayLag: histogram('wfp_outbox_relay_lag_seconds', 'Delay between an event written to the outbox and its PubAck, by schema.', ['schema'], LONG_BUCKETS),
} as const;

/** Scrape-time gauges whose values come from callbacks registered by the running components. */
type GaugeSource = () => Promise<Array<{ labels: Record<string, string>; value: number }>> | Array<{ labels: Record<string, string>; value: number }>;

function sourcedGauge(name: string, help: string, labelNames: readonly string[]) {
  const sources = new Set<GaugeSource>();
  gauge(name, help, labelNames, async function collect() {
    this.reset();
    for (const source of sources) {
      try {
        for (const { labels, value } of await source()) this.set(labels, value);
      } catch {
        // A source that cannot answer (database down) leaves its series out of this scrape.
      }
    }
  });
  return {
    add(source: GaugeSource): () => void {
      sources.add(source);
      return () => sources.delete(source);
    },
  };
}

export const gauges = {
  consumerPending: sourcedGauge('wfp_jetstream_consumer_pending', 'Messages in the stream not yet delivered to a durable consumer, by consumer.', ['consumer']),
  consumerAckPending: sourcedGauge('wfp_jetstream_consumer_ack_pending', 'Messages delivered to a durable consumer and not yet acked, by consumer.', ['consumer']),
  outboxBacklog: sourcedGauge('wfp_outbox_backlog', 'Outbox rows not yet published, by schema.', ['schema']),
  outboxOldestAge: sourcedGauge('wfp_outbox_oldest_unpublished_age_seconds', 'Age of the oldest unpublished outbox row (0 when none), by schema.', ['schema']),
  poolConnections: sourcedGauge('wfp_pg_pool_connections', 'Postgres pool connections, by pool and state (in_use, idle).', ['pool', 'state']),
  poolWaiting: sourcedGauge('wfp_pg_pool_waiting', 'Queries waiting for a Postgres pool connection, by pool.', ['pool']),
  poolMax: sourcedGauge('wfp_pg_pool_max', 'Configured size of a Postgres pool, by pool.', ['pool']),
};

/** The subset of a `pg` Pool the pool gauges read. */
export interface ObservablePool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** Reports a `pg` pool's in-use, idle and waiting counts under `pool=<name>`; returns the unregister. */
export function observePgPool(name: string, pool: ObservablePool): () => void {
  const removers = [
    gauges.poolConnections.add(() => [
      { labels: { pool: name, state: 'in_use' }, value: pool.totalCount - pool.idleCount },
      { labels: { pool: name, state: 'idle' }, value: pool.idleCount },
    ]),
    gauges.poolWaiting.add(() => [{ labels: { pool: name }, value: pool.waitingCount }]),
    gauges.poolMax.add(() => (pool.options?.max ? [{ labels: { pool: name }, value: pool.options.max }] : [])),
  ];
  return () => removers.forEach((remove) => remove());
}

let defaultsStarted = false;

/** The registry served on /metrics, with the Node process metrics and `service` on every series. */
export function metricsRegistry(service: string): Registry {
  if (!defaultsStarted) {
    defaultsStarted = true;
    register.setDefaultLabels({ service });
    collectDefaultMetrics({ register });
  }
  return register;
}

/** Seconds elapsed since `startNs` (a `process.hrtime.bigint()`). */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}
