/**
 * Profiling aid (not part of the suite) for the flow-control scenario (issue 20): one burst of
 * BENCH_EVENTS (default 1000) through a trigger without a policy, then one through the same
 * trigger with `{concurrency: [{key: 'event.tenant', limit: 1000}]}` (10 tenants), with every
 * `pg` statement of both services counted by text (engine-count-statements.cjs), the triggers
 * service CPU-profiled (cpu-profile.cjs, BENCH_PROFILE=1), the start-many requests to the
 * orchestrator counted on NATS, and pg_stat_activity sampled every 20 ms during each burst.
 * BENCH_ORDER=policy-first runs the policy burst first; BENCH_ONLY=policy (or plain) only that one.
 * Prints per burst: events/s, per event statements per service, commits, start-many requests,
 * the statements by text (per event) and the sampled wait events of the triggers' sessions.
 *
 *   npm run build && node dist/scripts/bench/profile-flow.js
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { StringCodec } from 'nats';
import { ServiceName } from '@wfp/testing';
import { commandSubject, COMMANDS, eventsSubjectRoot } from '@wfp/contracts';
import { createTriggers, publisher } from './lib/bus';
import { BenchPlatform, ROOT } from './lib/platform';
import { sleep } from './lib/stats';
import { waitFor } from './scenarios/latency';

const SERVICES: ServiceName[] = ['orchestrator', 'triggers'];
const TENANTS = 10;

async function main(): Promise<void> {
  const events = Number(process.env.BENCH_EVENTS ?? 1000);
  const dir = process.env.BENCH_PROFILE_DIR ?? '/tmp/wfp-prof-flow';
  const profile = process.env.BENCH_PROFILE === '1';
  mkdirSync(dir, { recursive: true });
  const countFile = (service: string) => join(dir, `${service}-${process.pid}.statements`);
  const preload = join(ROOT, 'scripts', 'bench', 'engine-count-statements.cjs');
  const profiler = join(ROOT, 'scripts', 'bench', 'cpu-profile.cjs');
  const serviceEnv = Object.fromEntries(
    SERVICES.map((service) => [
      service,
      {
        NODE_OPTIONS: [`--require=${preload}`, ...(profile && service === 'triggers' ? [`--require=${profiler}`] : [])].join(' '),
        ENGINE_COUNT_FILE: countFile(service),
        ENGINE_COUNT_BY_TEXT: '1',
        ENGINE_TIME_BY_TEXT: '1',
        ...(profile && service === 'triggers' ? { CPU_PROFILE_FILE: join(dir, `${service}-${process.pid}.cpuprofile`) } : {}),
      },
    ]),
  );
  const platform = await BenchPlatform.start({ label: 'bench_pflow', services: SERVICES, env: { LOG_LEVEL: 'info' }, serviceEnv });
  const db = new Client({ connectionString: platform.platform.database.url });
  await db.connect();
  const sc = StringCodec();
  let startMany = 0;
  let startItems = 0;
  const startLog: Array<[number, number]> = [];
  const succeeded: number[] = [];
  const events$ = platform.nc.subscribe(`${eventsSubjectRoot(platform.namespace)}.orchestration.v2.SUCCEEDED_TRIGGER`);
  void (async () => {
    for await (const _msg of events$) succeeded.push(Date.now());
  })();
  const sub = platform.nc.subscribe(commandSubject(platform.namespace, COMMANDS.orchestrator.startManyInstances));
  void (async () => {
    for await (const msg of sub) {
      startMany++;
      try {
        const body = JSON.parse(sc.decode(msg.data)) as { data?: { items?: unknown[] }; items?: unknown[] };
        const n = (body.data?.items ?? body.items ?? []).length;
        startItems += n;
        startLog.push([Date.now(), n]);
      } catch {
        /* not JSON */
      }
    }
  })();
  const commits = async () =>
    Number((await db.query<{ xact: string }>(`SELECT xact_commit AS xact FROM pg_stat_database WHERE datname = current_database()`)).rows[0].xact);
  const texts = (s: string): Record<string, number> => JSON.parse(safeRead(`${countFile(s)}.texts.json`) || '{}');
  const millis = (s: string): Record<string, number> => JSON.parse(safeRead(`${countFile(s)}.ms.json`) || '{}');
  const total = (s: string) => Number(safeRead(countFile(s)) || 0);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const workflowId = await platform.createWorkflow('pflow', [{ noop: {} }]);
    const common = { workflowID: workflowId, filter: 'event.key == "match"', vars: { seq: 'event.seq' } };
    const [plain] = await createTriggers(platform, [{ event: 'bench.plain', ...common }]);
    const [policy] = await createTriggers(platform, [{ event: 'bench.policy', ...common, policy: { concurrency: [{ key: 'event.tenant', limit: 1000 }] } }]);
    const publish = publisher(platform);
    let started = 0;
    const burst = async (label: string, type: string, triggerId: string, count: number, report: boolean) => {
      const before = platform.watcher.occurrencesByTrigger.get(triggerId) ?? 0;
      await sleep(500);
      const c0 = await commits();
      const s0 = Object.fromEntries(SERVICES.map((s) => [s, total(s)]));
      const t0 = Object.fromEntries(SERVICES.map((s) => [s, texts(s)]));
      const ms0 = Object.fromEntries(SERVICES.map((s) => [s, millis(s)]));
      const m0 = { requests: startMany, items: startItems };
      const waits = new Map<string, number>();
      let sampling = true;
      let samples = 0;
      const sampler = (async () => {
        while (sampling) {
          const rows = (
            await db.query<{ app: string; state: string; wait: string | null; query: string }>(
              `SELECT application_name AS app, state, wait_event_type || ':' || wait_event AS wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 60) AS query
                 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`,
            )
          ).rows;
          samples++;
          for (const r of rows) {
            const key = `${r.state} ${r.wait ?? '-'} | ${r.query}`;
            waits.set(key, (waits.get(key) ?? 0) + 1);
          }
          await sleep(20);
        }
      })();
      const begin = Date.now();
      const log0 = startLog.length;
      const succ0 = succeeded.length;
      await Promise.all(Array.from({ length: count }, (_, seq) => publish(type, { key: 'match', tenant: `t${seq % TENANTS}`, seq })));
      await waitFor(() => (platform.watcher.occurrencesByTrigger.get(triggerId) ?? 0) >= before + count, 600_000);
      const published = Date.now() - begin;
      const rate = count / ((platform.watcher.lastOccurrenceAt.get(triggerId)! - begin) / 1000);
      sampling = false;
      await sampler;
      started += count;
      await platform.completed(workflowId, started);
      await sleep(600);
      if (!report) return;
      const c1 = await commits();
      out(`\n== ${label}: ${count} events, ${rate.toFixed(1)} matched/s (load ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
      out(
        `per event (burst + drain): ${((c1 - c0) / count).toFixed(2)} commits (whole database); ` +
          SERVICES.map((s) => `${s} ${((total(s) - s0[s]) / count).toFixed(2)} statements`).join(', ') +
          `; start-many requests ${startMany - m0.requests} (${startItems - m0.items} items)`,
      );
      out(`  published all ${published} ms after begin; start-many requests (ms after begin:items): ${startLog.slice(log0).map(([t, n]) => `${t - begin}:${n}`).join(' ')}`);
      const succ = succeeded.slice(succ0).map((t) => t - begin);
      out(`  SUCCEEDED_TRIGGER received at (ms, deciles): ${[0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((q) => succ[Math.min(succ.length - 1, Math.floor((q / 100) * succ.length))]).join(' ')}`);
      for (const s of SERVICES) {
        const after = texts(s);
        const rows = Object.entries(after)
          .map(([text, n]) => [text, n - (t0[s][text] ?? 0)] as const)
          .filter(([, n]) => n > 0)
          .sort((a, b) => b[1] - a[1]);
        const ms = millis(s);
        out(`  ${s} statements per event by text (and total ms sent → answered):`);
        for (const [text, n] of rows.slice(0, 40)) out(`    ${(n / count).toFixed(3).padStart(7)} ${String((ms[text] ?? 0) - (ms0[s][text] ?? 0)).padStart(7)} ms  ${text}`);
      }
      out(`  pg_stat_activity (${samples} samples; non-idle sessions, mean per sample):`);
      for (const [key, n] of [...waits].sort((a, b) => b[1] - a[1]).slice(0, 25)) out(`    ${(n / samples).toFixed(2).padStart(6)}  ${key}`);
    };
    await burst('warm plain', 'bench.plain', plain, 20, false);
    await burst('warm policy', 'bench.policy', policy, 20, false);
    // BENCH_ONLY=policy|plain: that burst alone (a CPU profile of one path).
    const order = process.env.BENCH_ONLY ? [process.env.BENCH_ONLY] : process.env.BENCH_ORDER === 'policy-first' ? ['policy', 'plain'] : ['plain', 'policy'];
    for (const which of order) {
      if (which === 'plain') await burst('no policy', 'bench.plain', plain, events, true);
      else await burst('concurrency policy', 'bench.policy', policy, events, true);
    }
    // No slot leaked (every instance ended, many before their start was recorded: flow_ended).
    await sleep(1000);
    const [{ slots, queue }] = (
      await db.query<{ slots: number; queue: number }>(
        `SELECT (SELECT count(*)::int FROM triggers.flow_slots) AS slots, (SELECT count(*)::int FROM triggers.flow_queue) AS queue`,
      )
    ).rows;
    out(`after the drain: ${slots} slots held, ${queue} queue rows (both should be 0)`);
    // Warnings and errors of the services (a retried batch, a deadlock, a failed admission).
    for (const service of SERVICES) {
      const warnings = platform.platform.logLines(service).filter((l) => Number(l.level) >= 40);
      out(`${service}: ${warnings.length} warnings/errors`);
      for (const w of warnings.slice(0, 10)) out(`  ${String(w.msg)} ${JSON.stringify((w.err as { message?: string } | undefined)?.message ?? '')}`);
    }
  } finally {
    sub.unsubscribe();
    events$.unsubscribe();
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

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
