/**
 * Trigger matching benchmark: starts the orchestrator and the triggers service (built dist) on a
 * scratch database and NATS namespace, creates a `noop` workflow, and for 1, 100 and 10,000
 * triggers on one event type (each with a filter, exactly one of which matches) publishes events
 * to JetStream and measures:
 *   - throughput: a burst of BENCH_EVENTS events, matched events/s (first publish → last occurrence);
 *   - latency: BENCH_LATENCY_EVENTS events paced at half the measured throughput, event date →
 *     instance created in the orchestrator, p50/p99.
 *
 *   npm run bench:triggers        # BENCH_EVENTS=1000 BENCH_LATENCY_EVENTS=200 by default
 */
import { randomUUID } from 'node:crypto';
import { connect, StringCodec } from 'nats';
import { Client } from 'pg';
import { COMMANDS, EventEnvelope, eventsStreamName, eventSubject, triggerSchema, workflowSchema } from '@wfp/contracts';
import { CommandClient } from '@wfp/platform';
import { PlatformUnderTest, testNatsUrl } from '@wfp/testing';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 200);
const TRIGGER_COUNTS = (process.env.BENCH_TRIGGER_COUNTS ?? '1,100,10000').split(',').map(Number);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Result {
  triggers: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function main(): Promise<void> {
  const platform = await PlatformUnderTest.start({
    label: 'bench_trg',
    services: ['orchestrator', 'triggers'],
    env: { LOG_LEVEL: 'info' },
  });
  const commands = new CommandClient({ servers: [testNatsUrl()], namespace: platform.namespace, timeoutMs: 30_000, name: 'bench' });
  await commands.connect();
  const nc = await connect({ servers: testNatsUrl() });
  const js = nc.jetstream();
  const sc = StringCodec();
  const db = new Client({ connectionString: platform.database.url });
  await db.connect();
  const results: Result[] = [];

  const created = await commands.send(COMMANDS.orchestrator.createWorkflow, { config: { name: 'bench', stages: [{ noop: {} }] } }, workflowSchema);
  if (!created.ok) throw new Error(created.error.message);
  const workflowId = created.data.id;

  async function publish(type: string, seq: number): Promise<EventEnvelope> {
    const id = randomUUID();
    const envelope: EventEnvelope = { id, idempotency_key: id, date: new Date().toISOString(), app: 'bench', version: 'v1', type, payload: { key: 'match', seq } };
    await js.publish(eventSubject(platform.namespace, 'bench', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
    return envelope;
  }

  async function occurrencesOf(triggerId: string): Promise<number> {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM triggers.occurrences WHERE trigger_id = $1', [triggerId]);
    return Number(rows[0].n);
  }

  async function waitFor(triggerId: string, count: number): Promise<void> {
    const deadline = Date.now() + 600_000;
    while ((await occurrencesOf(triggerId)) < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} occurrences`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const jsm = await nc.jetstreamManager();
  async function drained(): Promise<void> {
    for (;;) {
      const info = await jsm.consumers.info(eventsStreamName(platform.namespace), 'triggers-matching');
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM orchestrator.instances WHERE NOT terminated');
      if (info.num_pending === 0 && info.num_ack_pending === 0 && Number(rows[0].n) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  try {
    for (const count of TRIGGER_COUNTS) {
      const type = `bench.t${count}`;
      // The matching trigger through the API; the non-matching ones in bulk (same table, same shape).
      const matching = await commands.send(
        COMMANDS.triggers.createTrigger,
        { data: { event: type, workflowID: workflowId, filter: 'event.key == "match"', vars: { seq: 'event.seq' } } },
        triggerSchema,
      );
      if (!matching.ok) throw new Error(matching.error.message);
      if (count > 1) {
        await db.query(
          `INSERT INTO triggers.triggers (id, event, workflow_id, filter, vars, created_at)
           SELECT gen_random_uuid(), $1, $2, format('event.key == "k%s"', i), '{"seq":"event.seq"}'::jsonb, now()
             FROM generate_series(1, $3) AS i`,
          [type, workflowId, count - 1],
        );
        await db.query('UPDATE triggers.generation SET value = value + 1 WHERE id = 1');
      }
      const triggerId = matching.data.id;
      // Warm-up (candidate cache, compiled programs, connections).
      for (let i = 0; i < 20; i++) await publish(type, -1);
      await waitFor(triggerId, 20);
      await drained();

      // Throughput: a burst.
      const begin = Date.now();
      await Promise.all(Array.from({ length: EVENTS }, (_, i) => publish(type, i)));
      await waitFor(triggerId, 20 + EVENTS);
      const elapsed = (Date.now() - begin) / 1000;
      const perSecond = EVENTS / elapsed;

      // Let the system drain (the matcher also consumes the orchestrator's lifecycle events).
      await drained();

      // Latency: paced at half the throughput.
      const interval = 1000 / Math.max(1, perSecond / 2);
      const paced: string[] = [];
      const start = Date.now();
      for (let i = 0; i < LATENCY_EVENTS; i++) {
        const due = start + i * interval;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        paced.push((await publish(type, EVENTS + i)).id);
      }
      await waitFor(triggerId, 20 + EVENTS + LATENCY_EVENTS);
      const { rows } = await db.query<{ ms: number }>(
        `SELECT extract(epoch FROM (i.created_at - (o.event->>'date')::timestamptz)) * 1000 AS ms
           FROM triggers.occurrences o JOIN orchestrator.instances i ON i.id::text = o.workflow_instance_id
          WHERE o.trigger_id = $1 AND o.event->>'id' = ANY($2::text[])`,
        [triggerId, paced],
      );
      const latencies = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
      const result = { triggers: count, perSecond, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
      results.push(result);
      process.stdout.write(
        `  ${String(count).padStart(6)} triggers: ${perSecond.toFixed(1)} matched events/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms\n`,
      );
    }
  } finally {
    await db.end();
    await nc.close();
    await commands.close();
    await platform.stop();
  }

  process.stdout.write(`\ntriggers benchmark: ${EVENTS} events (burst) + ${LATENCY_EVENTS} paced, one matching trigger per event\n`);
  for (const r of results) {
    process.stdout.write(
      `  ${String(r.triggers).padStart(6)} triggers   ${r.perSecond.toFixed(1).padStart(8)} matched events/s   event→instance p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms\n`,
    );
  }
  const base = results.find((r) => r.triggers === 1);
  const big = results.find((r) => r.triggers === 10_000);
  if (base && big) process.stdout.write(`  10,000-trigger rate / 1-trigger rate: ${(big.perSecond / base.perSecond).toFixed(2)} (goal ≥ 0.5)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
