/**
 * Profiling aid (not part of the suite): the latency load of the suite (one trigger, no filter,
 * 1-stage `noop`, events paced at BENCH_RATE/s — default 500 — for BENCH_SECONDS, default 8),
 * with the services CPU-profiled (the cpu-profile.cjs preload; BENCH_PROFILE_SERVICES, default
 * `triggers,orchestrator`; profiles into BENCH_PROFILE_DIR, default /tmp/wfp-prof; summarise one
 * with `node scripts/bench/profile-top.cjs <file>`) and every `pg` statement counted
 * (engine-count-statements.cjs). Prints, per event: statements per service, commits and rows
 * written (the whole database); the triggers consumer's batches (events per batch, mean handling
 * time); and a timeline of the published → started latency: published → the orchestrator's start
 * (the STARTED_WORKFLOW date, the start statement's clock) → the occurrence recorded by the
 * matcher (its date) → SUCCEEDED_TRIGGER received on the bus, p50 / p99 of each step.
 *
 *   npm run build && node dist/scripts/bench/profile-triggers.js
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { ServiceName } from '@wfp/testing';
import { createTrigger, publisher } from './lib/bus';
import { BenchPlatform, ROOT } from './lib/platform';
import { percentile, sleep } from './lib/stats';
import { waitFor } from './scenarios/latency';
import { COMMANDS, triggerOccurrenceSchema } from '@wfp/contracts';
import { z } from 'zod';

const SERVICES: ServiceName[] = ['orchestrator', 'triggers'];

async function main(): Promise<void> {
  const rate = Number(process.env.BENCH_RATE ?? 500);
  const seconds = Number(process.env.BENCH_SECONDS ?? 8);
  const profiled = new Set((process.env.BENCH_PROFILE_SERVICES ?? 'triggers,orchestrator').split(',').map((s) => s.trim()).filter(Boolean));
  const dir = process.env.BENCH_PROFILE_DIR ?? '/tmp/wfp-prof';
  mkdirSync(dir, { recursive: true });
  const countFile = (service: string) => join(dir, `${service}-${process.pid}.statements`);
  const preload = join(ROOT, 'scripts', 'bench', 'engine-count-statements.cjs');
  const profiler = join(ROOT, 'scripts', 'bench', 'cpu-profile.cjs');
  const serviceEnv = Object.fromEntries(
    SERVICES.map((service) => [
      service,
      {
        NODE_OPTIONS: [`--require=${preload}`, ...(profiled.has(service) ? [`--require=${profiler}`] : [])].join(' '),
        ENGINE_COUNT_FILE: countFile(service),
        ENGINE_COUNT_BY_TEXT: '1',
        ...(profiled.has(service) ? { CPU_PROFILE_FILE: join(dir, `${service}-${process.pid}.cpuprofile`) } : {}),
      },
    ]),
  );
  const platform = await BenchPlatform.start({ label: 'bench_profile', services: SERVICES, env: { LOG_LEVEL: 'info' }, serviceEnv });
  const db = new Client({ connectionString: platform.platform.database.url });
  await db.connect();
  const stats = async () =>
    (await db.query<{ xact: string; ins: string }>(`SELECT xact_commit AS xact, tup_inserted + tup_updated + tup_deleted AS ins FROM pg_stat_database WHERE datname = current_database()`)).rows[0];
  const statements = () => Object.fromEntries(SERVICES.map((s) => [s, Number(safeRead(countFile(s)) || 0)]));
  try {
    const workflowId = await platform.createWorkflow('profile', [{ noop: {} }]);
    const warm = await createTrigger(platform, { event: 'bench.warm', workflowID: workflowId });
    const publish = publisher(platform);
    for (let i = 0; i < 50; i++) await publish('bench.warm', { seq: i });
    await waitFor(() => (platform.watcher.occurrencesByTrigger.get(warm) ?? 0) >= 50, 60_000);
    const triggerId = await createTrigger(platform, { event: 'bench.profile', workflowID: workflowId, vars: { seq: 'event.seq' } });
    const consumerBefore = await consumerMetrics(platform);
    await sleep(500);
    const before = await stats();
    const statementsBefore = statements();
    const published = new Map<string, number>();
    const begin = Date.now();
    const total = rate * seconds;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = begin + (i * 1000) / rate - Date.now();
      if (wait > 1) await sleep(wait);
      pending.push(publish('bench.profile', { seq: i }).then((envelope) => published.set(envelope.id, Date.parse(envelope.date))));
    }
    await Promise.all(pending);
    await waitFor(() => (platform.watcher.occurrencesByTrigger.get(triggerId) ?? 0) >= total, 300_000);
    const elapsed = (Date.now() - begin) / 1000;
    await sleep(500); // the statement counters are written every 200 ms
    const after = await stats();
    const statementsAfter = statements();
    const consumerAfter = await consumerMetrics(platform);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(`${total} events at ${rate}/s offered in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s matched); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    out(
      `per event: ${((Number(after.xact) - Number(before.xact)) / total).toFixed(2)} commits, ${((Number(after.ins) - Number(before.ins)) / total).toFixed(2)} rows written (whole database); ` +
        SERVICES.map((s) => `${s} ${((statementsAfter[s] - statementsBefore[s]) / total).toFixed(2)} statements`).join(', '),
    );
    const batches = consumerAfter.count - consumerBefore.count;
    out(
      `triggers consumer: ${batches} batches, ${((consumerAfter.events - consumerBefore.events) / Math.max(1, batches)).toFixed(1)} bus events per batch ` +
        `(${((consumerAfter.events - consumerBefore.events) / total).toFixed(2)} per published event), mean handling ${((1000 * (consumerAfter.sum - consumerBefore.sum)) / Math.max(1, batches)).toFixed(1)} ms`,
    );
    // Timeline: published → orchestrator start (STARTED_WORKFLOW date) → occurrence recorded → SUCCEEDED_TRIGGER received.
    const occurrences = await occurrencesOf(platform, triggerId);
    const steps = { 'published → orchestrator start': [] as number[], 'orchestrator start → occurrence recorded': [] as number[], 'published → occurrence recorded': [] as number[] };
    for (const o of occurrences) {
      const at = published.get(o.eventId);
      const started = platform.watcher.instances.get(o.instanceId)?.startedAt;
      if (at === undefined || started === undefined) continue;
      steps['published → orchestrator start'].push(started - at);
      steps['orchestrator start → occurrence recorded'].push(o.date - started);
      steps['published → occurrence recorded'].push(o.date - at);
    }
    for (const [step, values] of Object.entries(steps)) out(`  ${step}: p50 ${percentile(values, 50)} ms, p99 ${percentile(values, 99)} ms`);
  } finally {
    await db.end();
    await platform.stop();
  }
  process.stdout.write(`profiles and statement counts in ${dir}\n`);
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The triggers consumer's handled events and its batches (count, seconds) from /metrics. */
async function consumerMetrics(platform: BenchPlatform): Promise<{ events: number; count: number; sum: number }> {
  const text = await (await fetch(platform.platform.metricsUrl('triggers'))).text();
  const value = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
  return {
    events: value(/^wfp_jetstream_consumer_messages_total\{[^}]*consumer="triggers-matching"[^}]*\} (\S+)$/gm),
    count: value(/^wfp_jetstream_consumer_handle_duration_seconds_count\{[^}]*consumer="triggers-matching"[^}]*\} (\S+)$/gm),
    sum: value(/^wfp_jetstream_consumer_handle_duration_seconds_sum\{[^}]*consumer="triggers-matching"[^}]*\} (\S+)$/gm),
  };
}

async function occurrencesOf(platform: BenchPlatform, triggerId: string): Promise<Array<{ eventId: string; instanceId: string; date: number }>> {
  const out: Array<{ eventId: string; instanceId: string; date: number }> = [];
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const reply = await platform.commands.send(COMMANDS.triggers.listOccurrences, { id: triggerId, page: { limit: 500, ...(after ? { after } : {}) } }, z.array(triggerOccurrenceSchema), {
      timeoutMs: 300_000,
    });
    if (!reply.ok) throw new Error(`listOccurrences: ${reply.error.message}`);
    for (const o of reply.data) if (o.workflowInstanceID) out.push({ eventId: (o.event as { id: string }).id, instanceId: o.workflowInstanceID, date: Date.parse(o.date) });
    if (reply.data.length < 500) return out;
    const last = reply.data[reply.data.length - 1];
    after = { createdAt: last.date, id: last.id };
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
