/**
 * Orchestrator benchmark: starts the orchestrator (built dist) on a scratch database and NATS
 * namespace, creates a 1-stage `noop` workflow and a 3-stage (`noop`, `delay 0s`, `noop`) one,
 * starts N instances of each through the NATS `startInstance` command with bounded concurrency,
 * and prints instances completed/s and start→terminated latency p50/p99. Then measures pgbench
 * single-row-insert TPS on a scratch database of the same Postgres and prints the ratio.
 *
 *   npm run bench:orchestrator            # BENCH_INSTANCES=2000 BENCH_CONCURRENCY=64 by default
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { COMMANDS, workflowInstanceSchema, workflowSchema } from '@wfp/contracts';
import { CommandClient } from '@wfp/platform';
import { createTestDatabase, PlatformUnderTest, testNatsUrl } from '@wfp/testing';

const N = Number(process.env.BENCH_INSTANCES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const PGBENCH_SECONDS = Number(process.env.BENCH_PGBENCH_SECONDS ?? 10);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runScenario(
  name: string,
  stages: unknown[],
  commands: CommandClient,
  db: Client,
): Promise<{ name: string; perSecond: number; p50: number; p99: number }> {
  const created = await commands.send(COMMANDS.orchestrator.createWorkflow, { config: { name, stages } }, workflowSchema);
  if (!created.ok) throw new Error(created.error.message);
  const workflowId = created.data.id;
  const begin = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < N) {
      next++;
      const reply = await commands.send(COMMANDS.orchestrator.startInstance, { workflowId, variables: {} }, workflowInstanceSchema, {
        timeoutMs: 30_000,
      });
      if (!reply.ok) throw new Error(reply.error.message);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  for (;;) {
    const { rows } = await db.query<{ done: string }>(
      'SELECT count(*) AS done FROM orchestrator.instances WHERE workflow_id = $1 AND terminated',
      [workflowId],
    );
    if (Number(rows[0].done) >= N) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const elapsed = (Date.now() - begin) / 1000;
  const { rows } = await db.query<{ ms: number; error: string | null }>(
    `SELECT extract(epoch FROM (terminated_at - created_at)) * 1000 AS ms, error
       FROM orchestrator.instances WHERE workflow_id = $1`,
    [workflowId],
  );
  const failed = rows.filter((row) => row.error).length;
  if (failed > 0) throw new Error(`${failed} instances failed`);
  const latencies = rows.map((row) => Number(row.ms)).sort((a, b) => a - b);
  return { name, perSecond: N / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

function pgbenchTps(databaseUrl: string): number {
  const url = new URL(databaseUrl);
  const dir = mkdtempSync(join(tmpdir(), 'pgbench-'));
  const script = join(dir, 'insert.sql');
  writeFileSync(script, 'INSERT INTO bench_rows (payload) VALUES (md5(random()::text));\n');
  const output = execFileSync(
    '/usr/bin/pgbench',
    ['-n', '-c', String(CONCURRENCY > 16 ? 16 : CONCURRENCY), '-j', '2', '-T', String(PGBENCH_SECONDS), '-f', script,
      '-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'), url.pathname.slice(1)],
    { encoding: 'utf8' },
  );
  const match = /tps = ([\d.]+)/.exec(output);
  if (!match) throw new Error(`unexpected pgbench output:\n${output}`);
  return Number(match[1]);
}

async function main(): Promise<void> {
  const platform = await PlatformUnderTest.start({
    label: 'bench_orch',
    services: ['orchestrator'],
    env: { LOG_LEVEL: 'info', ORCHESTRATOR_WORKER_CONCURRENCY: process.env.ORCHESTRATOR_WORKER_CONCURRENCY ?? '8' },
  });
  const commands = new CommandClient({ servers: [testNatsUrl()], namespace: platform.namespace, timeoutMs: 30_000, name: 'bench' });
  await commands.connect();
  const db = new Client({ connectionString: platform.database.url });
  await db.connect();
  const results = [];
  try {
    results.push(await runScenario('noop x1', [{ noop: {} }], commands, db));
    results.push(await runScenario('noop, delay 0s, noop', [{ noop: {} }, { delay: { duration: '0s' } }, { noop: {} }], commands, db));
  } finally {
    await db.end();
    await commands.close();
    await platform.stop();
  }

  const scratch = await createTestDatabase('pgbench');
  let tps: number;
  try {
    const client = new Client({ connectionString: scratch.url });
    await client.connect();
    await client.query('CREATE TABLE bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL)');
    await client.end();
    tps = pgbenchTps(scratch.url);
  } finally {
    await scratch.drop();
  }

  process.stdout.write(`\norchestrator benchmark: ${N} instances per workflow, concurrency ${CONCURRENCY}\n`);
  for (const r of results) {
    process.stdout.write(
      `  ${r.name.padEnd(22)} ${r.perSecond.toFixed(1).padStart(8)} instances/s   p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms   ratio to pgbench ${(r.perSecond / tps).toFixed(3)}\n`,
    );
  }
  process.stdout.write(`  pgbench single-row insert: ${tps.toFixed(1)} TPS (${PGBENCH_SECONDS}s)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
