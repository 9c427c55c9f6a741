import { randomUUID } from 'node:crypto';
import { connect, NatsConnection, StringCodec } from 'nats';
import { Pool } from 'pg';
import { EventEnvelope, eventsStreamName, eventSubject } from '@wfp/contracts';
import { natsClientOptions, publishWithRetry } from '@wfp/platform';
import type { ServiceName } from '../platform-under-test';
import { ClusterUnderTest, Replicas } from './cluster-under-test';
import { NatsCluster } from './nats-cluster';
import { RoundRobinHttp } from './round-robin-http';

export interface FaultScenarioOptions {
  /** Events pushed through the trigger (default 5000). */
  events?: number;
  /** Kill and restart a NATS node and one replica of every service mid-flow (default true). */
  faults?: boolean;
  replicas?: Replicas;
  /** Events published per second (default 200; the backlog is what the faults hit). */
  publishRate?: number;
  /** Give up waiting for the instances after this long (default 15 minutes). */
  timeoutMs?: number;
  /** Stop waiting when, with every fault healed, no instance terminated for this long (default 120 s). */
  noProgressMs?: number;
  /** `delay` stage duration (default 1s). */
  delay?: string;
  log?: (line: string) => void;
}

export interface FaultScenarioResult {
  events: number;
  instances: number;
  lost: number;
  duplicateStarts: number;
  /** Instances not terminated, or terminated with an error, when the run ended. */
  stuck: number;
  failed: number;
  /** Stuck instances waiting for `go` although a `go` is buffered for them (a lost wake-up race). */
  waitingWithBufferedGo: number;
  deadLetters: number;
  /** sendEvent instances done: answered 204, or answered otherwise after an earlier attempt (answer lost) landed. */
  sendEventsDone: number;
  /** Non-2xx answers to sendEvent by status (a retry after a lost answer finds the instance terminated: 400). */
  sendEventOtherAnswers: Record<string, number>;
  faults: string[];
  /** num_replicas of the events stream as created by the services. */
  streamReplicas: number;
  /** Error-level log lines of every replica, counted by service and message. */
  errorLog: Record<string, number>;
  http: { requests: number; retried: number; failed: number; errors: Record<string, number> };
  /** The longest time the API probe went without an answer, in ms. */
  apiLongestGapMs: number;
  apiProbes: number;
  publishRetries: number;
  seconds: number;
  /** Instances terminated per second, first publish → last termination. */
  instancesPerSecond: number;
}

const CLIENT = 'cluster-test';
const SECRET = 'cluster-test-secret';
const EVENT_TYPE = 'cluster.tick';

/**
 * Scale-out proof: a 3-node JetStream cluster (R3 stream), N replicas of every service on one
 * database, a workflow `noop → delay → wait_event(go)` started by a trigger for each of `events`
 * bus events, every instance's `go` sent through the HTTP API (round-robin over the gateways),
 * while — when `faults` — the stream leader's NATS node and one replica of every service are
 * killed (SIGKILL) and later restarted. Counts what was lost, started twice, or left unfinished.
 */
export async function runFaultScenario(options: FaultScenarioOptions = {}): Promise<FaultScenarioResult> {
  const total = options.events ?? 5000;
  const faultsOn = options.faults ?? true;
  const log = options.log ?? (() => undefined);
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const nats = await NatsCluster.start({ size: 3, label: 'scenario' });
  let cluster: ClusterUnderTest | undefined;
  let nc: NatsConnection | undefined;
  let pg: Pool | undefined;
  const stopFlags = { stop: false };
  try {
    log(`NATS cluster up: ${nats.url}`);
    cluster = await ClusterUnderTest.start({
      label: 'cluster',
      natsUrl: nats.url,
      replicas: options.replicas,
      env: {
        NATS_STREAM_REPLICAS: '3',
        FORMANCE_AUTH_CLIENTS: `${CLIENT}:${SECRET}`,
        ORCHESTRATOR_POLL_INTERVAL_MS: '200',
        REQUEST_TIMEOUT_MS: '5000',
      },
    });
    const c = cluster;
    log(`services up: ${c.replicas.map((r) => `${r.service}#${r.index}`).join(', ')}`);
    const db = new Pool({ connectionString: c.database.url, max: 4 });
    pg = db;

    // A token from the first gateway, used on every gateway (the signing key is shared).
    const tokenRes = await fetch(`${c.gatewayUrls[0]}/api/auth/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT, client_secret: SECRET }),
    });
    if (tokenRes.status !== 200) throw new Error(`token endpoint answered ${tokenRes.status}`);
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    const http = new RoundRobinHttp(c.gatewayUrls, () => ({ Authorization: `Bearer ${token}` }));

    const workflow = await http.request('POST', '/api/orchestration/workflows', {
      name: 'cluster-proof',
      stages: [{ noop: {} }, { delay: { duration: options.delay ?? '1s' } }, { wait_event: { event: 'go' } }],
    });
    if (workflow.status !== 201) throw new Error(`createWorkflow answered ${workflow.status}: ${JSON.stringify(workflow.body)}`);
    const workflowId = (workflow.body as { data: { id: string } }).data.id;
    const trigger = await http.request('POST', '/api/orchestration/triggers', {
      event: EVENT_TYPE,
      workflowID: workflowId,
      vars: { seq: 'event.seq' },
    });
    if (trigger.status !== 201) throw new Error(`createTrigger answered ${trigger.status}: ${JSON.stringify(trigger.body)}`);
    const triggerId = (trigger.body as { data: { id: string } }).data.id;

    nc = await connect(natsClientOptions(nats.servers, 'cluster-scenario'));
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    const sc = StringCodec();
    const stream = eventsStreamName(c.namespace);

    const count = async (sql: string, params: unknown[] = []): Promise<number> =>
      Number((await db.query<{ n: string }>(sql, params)).rows[0].n);
    const terminatedCount = () =>
      count(`SELECT count(*) AS n FROM orchestrator.instances WHERE workflow_id = $1 AND terminated`, [workflowId]);

    // API probe: one read every 500 ms through the round-robin client; the longest silence.
    let lastAnswer = Date.now();
    let longestGap = 0;
    let probes = 0;
    const probe = (async () => {
      while (!stopFlags.stop) {
        try {
          const res = await http.request('GET', `/api/orchestration/workflows/${workflowId}`, undefined, 60_000);
          if (res.status === 200) {
            probes++;
            longestGap = Math.max(longestGap, Date.now() - lastAnswer);
            lastAnswer = Date.now();
          }
        } catch {
          // counted by the client
        }
        await sleep(500);
      }
    })();

    // sendEvent(go) through the API for every instance the trigger started.
    const signalled = new Set<string>();
    const sendEventAnswers: Record<string, number> = {};
    const signaller = (async () => {
      while (!stopFlags.stop) {
        const { rows } = await db.query<{ id: string }>(
          `SELECT workflow_instance_id AS id FROM triggers.occurrences WHERE trigger_id = $1 AND workflow_instance_id IS NOT NULL`,
          [triggerId],
        );
        const todo = rows.map((r) => r.id).filter((id) => !signalled.has(id));
        await forEachLimit(todo, 16, async (id) => {
          try {
            const res = await http.request('POST', `/api/orchestration/instances/${id}/events`, { name: 'go' }, 60_000);
            if (res.status === 204 || res.status === 200) signalled.add(id);
            else {
              sendEventAnswers[res.status] = (sendEventAnswers[res.status] ?? 0) + 1;
              // An earlier attempt whose answer was lost (the gateway died mid-request) did deliver it.
              const [row] = (await db.query<{ terminated: boolean }>(`SELECT terminated FROM orchestrator.instances WHERE id = $1`, [id])).rows;
              if (row?.terminated) signalled.add(id);
            }
          } catch {
            // retried next round
          }
        });
        await sleep(250);
      }
    })();

    // Faults, keyed to progress (terminated instances) so they land mid-flow at any speed.
    const faults: string[] = [];
    const replicasToKill = (['orchestrator', 'triggers', 'interventions', 'gateway'] as ServiceName[]).filter((s) =>
      c.replicas.some((r) => r.service === s && r.index === 1),
    );
    let killedNode: string | undefined;
    const plan: Array<{ at: number; name: string; run: () => Promise<void> }> = faultsOn
      ? [
          {
            at: 0.1,
            name: 'kill the NATS node leading the events stream',
            run: async () => {
              const info = await jsm.streams.info(stream);
              killedNode = info.cluster?.leader ?? 'n1';
              await nats.kill(killedNode);
              faults.push(`killed NATS ${killedNode} (stream leader)`);
            },
          },
          {
            at: 0.25,
            name: 'kill one replica of every service',
            run: async () => {
              await Promise.all(replicasToKill.map((s) => c.stopReplica(s, 1, 'SIGKILL')));
              faults.push(`killed ${replicasToKill.map((s) => `${s}#1`).join(', ')}`);
            },
          },
          {
            at: 0.45,
            name: 'restart the NATS node',
            run: async () => {
              await nats.restart(killedNode!);
              faults.push(`restarted NATS ${killedNode}`);
            },
          },
          {
            at: 0.6,
            name: 'restart the killed replicas',
            run: async () => {
              await Promise.all(replicasToKill.map((s) => c.startReplica(s, 1)));
              faults.push(`restarted ${replicasToKill.map((s) => `${s}#1`).join(', ')}`);
            },
          },
        ]
      : [];

    // Publish, paced.
    const started = Date.now();
    let publishRetries = 0;
    const rate = options.publishRate ?? 200;
    const publisher = (async () => {
      const batch = Math.max(1, Math.round(rate / 10));
      for (let seq = 0; seq < total; seq += batch) {
        const tick = Date.now();
        await Promise.all(
          Array.from({ length: Math.min(batch, total - seq) }, async (_, i) => {
            const id = randomUUID();
            const envelope: EventEnvelope = {
              id,
              idempotency_key: id,
              date: new Date().toISOString(),
              app: 'cluster',
              version: 'v1',
              type: EVENT_TYPE,
              payload: { seq: seq + i },
            };
            const subject = eventSubject(c.namespace, 'cluster', 'v1', EVENT_TYPE);
            for (;;) {
              try {
                await publishWithRetry(js, subject, sc.encode(JSON.stringify(envelope)), { msgID: id, timeout: 5000 }, { budgetMs: 60_000 });
                return;
              } catch {
                publishRetries++;
              }
            }
          }),
        );
        await sleep(Math.max(0, 100 - (Date.now() - tick)));
      }
      log(`published ${total} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    })();

    const deadline = Date.now() + timeoutMs;
    const noProgressMs = options.noProgressMs ?? 120_000;
    let done = 0;
    let lastLog = 0;
    let lastProgress = Date.now();
    while (done < total && Date.now() < deadline) {
      const now = await terminatedCount();
      if (now > done) lastProgress = Date.now();
      done = now;
      if (plan.length === 0 && Date.now() - lastProgress > noProgressMs) {
        log(`no instance terminated for ${noProgressMs / 1000} s with every fault healed: giving up at ${done}/${total}`);
        break;
      }
      while (plan.length > 0 && done >= plan[0].at * total) {
        const step = plan.shift()!;
        log(`fault at ${done}/${total} terminated: ${step.name}`);
        await step.run();
      }
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`${done}/${total} instances terminated, ${signalled.size} signalled, ${((Date.now() - started) / 1000).toFixed(0)} s`);
      }
      await sleep(500);
    }
    // Whatever fault did not happen yet (a very slow run) still happens, and is healed.
    for (const step of plan) await step.run();
    await publisher;
    const seconds = (Date.now() - started) / 1000;
    if (done >= total) log(`all ${total} instances terminated after ${seconds.toFixed(1)} s`);
    // Let anything in flight settle, then count (a duplicate start would show up now).
    stopFlags.stop = true;
    await Promise.all([probe, signaller]);

    const instances = await count(`SELECT count(*) AS n FROM orchestrator.instances WHERE workflow_id = $1`, [workflowId]);
    const distinct = await count(
      `SELECT count(DISTINCT variables->>'seq') AS n FROM orchestrator.instances WHERE workflow_id = $1`,
      [workflowId],
    );
    const stuck = await count(`SELECT count(*) AS n FROM orchestrator.instances WHERE workflow_id = $1 AND NOT terminated`, [workflowId]);
    // Diagnosis of stuck instances: an instance waiting for `go` while a `go` sits in its buffer.
    const waitingWithBufferedGo = await count(
      `SELECT count(*) AS n FROM orchestrator.waits w
        WHERE w.event = 'go' AND EXISTS (SELECT 1 FROM orchestrator.buffered_events b WHERE b.instance_id = w.instance_id AND b.name = 'go')`,
    );
    const failed = await count(
      `SELECT count(*) AS n FROM orchestrator.instances WHERE workflow_id = $1 AND terminated AND error IS NOT NULL`,
      [workflowId],
    );
    const deadLetters =
      (await count(`SELECT count(*) AS n FROM triggers.dead_letters`)) + (await count(`SELECT count(*) AS n FROM interventions.dead_letters`));
    const lastTerminated = await db.query<{ t: Date | null }>(
      `SELECT max(terminated_at) AS t FROM orchestrator.instances WHERE workflow_id = $1`,
      [workflowId],
    );
    const end = lastTerminated.rows[0].t ? new Date(lastTerminated.rows[0].t).getTime() : Date.now();
    const streamReplicas = (await jsm.streams.info(stream)).config.num_replicas;
    // What the services logged at error level, by message (for the report: causes of 5xx).
    const errorLog: Record<string, number> = {};
    for (const r of c.replicas) {
      for (const line of c.logLines(r.service, r.index)) {
        if (typeof line.level === 'number' ? line.level < 50 : !['error', 'fatal'].includes(String(line.level))) continue;
        const err = line.err as { message?: string; type?: string } | undefined;
        const key = `${r.service}: ${String(line.msg ?? '').slice(0, 80)}${err?.message ? ` — ${err.message.slice(0, 100)}` : ''}`;
        errorLog[key] = (errorLog[key] ?? 0) + 1;
      }
    }
    return {
      events: total,
      streamReplicas,
      errorLog,
      instances,
      lost: total - distinct,
      duplicateStarts: instances - distinct,
      stuck: stuck + failed,
      failed,
      waitingWithBufferedGo,
      deadLetters,
      sendEventsDone: signalled.size,
      sendEventOtherAnswers: sendEventAnswers,
      faults,
      http: { requests: http.requests, retried: http.retried, failed: http.failed, errors: http.errorSummary() },
      apiLongestGapMs: longestGap,
      apiProbes: probes,
      publishRetries,
      seconds,
      instancesPerSecond: instances / Math.max(0.001, (end - started) / 1000),
    };
  } finally {
    stopFlags.stop = true;
    await nc?.close().catch(() => undefined);
    await pg?.end().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await nats.stop().catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}
