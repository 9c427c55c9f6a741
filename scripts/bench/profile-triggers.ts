/**
 * Profiling aid (not part of the suite): runs the orchestrator, and the triggers service under
 * `node --cpu-prof`, publishes events paced at BENCH_RATE/s (default 500) for BENCH_SECONDS (8)
 * to one trigger, and prints the triggers database's transactions and rows written per event.
 * The profile lands in BENCH_PROFILE_DIR (default /tmp).
 *
 *   npm run build && node dist/scripts/bench/profile-triggers.js
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTrigger, publisher } from './lib/bus';
import { BenchPlatform, ROOT } from './lib/platform';
import { sleep } from './lib/stats';
import { waitFor } from './scenarios/latency';

async function main(): Promise<void> {
  const rate = Number(process.env.BENCH_RATE ?? 500);
  const seconds = Number(process.env.BENCH_SECONDS ?? 8);
  const platform = await BenchPlatform.start({ label: 'bench_profile', services: ['orchestrator'] });
  const child = spawn(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR ?? '/tmp'}`, join(ROOT, 'dist', 'apps', 'triggers', 'src', 'main.js')],
    { env: { ...platform.platform.env('triggers'), LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    if (out.length < 100_000) out += chunk.toString();
  });
  await waitFor(() => out.includes('triggers is serving commands'), 60_000);
  const db = new Client({ connectionString: platform.platform.database.url });
  await db.connect();
  const stats = async () =>
    (await db.query<{ xact: string; ins: string }>(`SELECT xact_commit AS xact, tup_inserted AS ins FROM pg_stat_database WHERE datname = current_database()`)).rows[0];
  try {
    const workflowId = await platform.createWorkflow('profile', [{ noop: {} }]);
    const triggerId = await createTrigger(platform, { event: 'bench.profile', workflowID: workflowId, vars: { seq: 'event.seq' } });
    const publish = publisher(platform);
    const before = await stats();
    const begin = Date.now();
    const total = rate * seconds;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = begin + (i * 1000) / rate - Date.now();
      if (wait > 1) await sleep(wait);
      pending.push(publish('bench.profile', { seq: i }));
    }
    await Promise.all(pending);
    await waitFor(() => (platform.watcher.occurrencesByTrigger.get(triggerId) ?? 0) >= total, 300_000);
    const elapsed = (Date.now() - begin) / 1000;
    const after = await stats();
    process.stdout.write(
      `${total} events in ${elapsed.toFixed(1)} s (${(total / elapsed).toFixed(0)}/s); whole database (both services): ` +
        `${((Number(after.xact) - Number(before.xact)) / total).toFixed(2)} commits and ${((Number(after.ins) - Number(before.ins)) / total).toFixed(2)} rows inserted per event\n`,
    );
  } finally {
    await db.end();
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await platform.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
