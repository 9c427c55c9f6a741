/**
 * Quick engine measurement (issue 10, engine side; the full side-by-side suite is `npm run bench`):
 * starts 1 or 2 orchestrator processes (built dist) on a scratch database, starts N 1-stage `noop`
 * instances through the NATS start command (single starts with bounded concurrency, or start-many
 * batches), and prints instances/s, transactions and SQL statements per instance (counted in the
 * orchestrator processes by a `pg` preload), and pgbench single-row-insert TPS in the same run.
 *
 *   node dist/scripts/bench/engine-quick.js
 *   ENGINE_N=4000 ENGINE_CONCURRENCY=64 ENGINE_MODE=single|many ENGINE_BATCH=100 ENGINE_REPLICAS=1|2
 *   ENGINE_PROFILE=1 (writes .cpuprofile files of the orchestrator to /tmp/engine-prof)
 *   ENGINE_PRELOAD=<n finished instances before measuring>
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { COMMANDS, startManyInstancesReplyDataSchema, workflowInstanceSchema, workflowSchema } from '@wfp/contracts';
import { CommandClient } from '@wfp/platform';
import { createTestDatabase, PlatformUnderTest, testNatsUrl } from '@wfp/testing';

const N = Number(process.env.ENGINE_N ?? 4000);
const CONCURRENCY = Number(process.env.ENGINE_CONCURRENCY ?? 64);
const MODE = process.env.ENGINE_MODE ?? 'single';
const BATCH = Number(process.env.ENGINE_BATCH ?? 100);
const REPLICAS = Number(process.env.ENGINE_REPLICAS ?? 1);
const PRELOAD = Number(process.env.ENGINE_PRELOAD ?? 0);
const PGBENCH_SECONDS = Number(process.env.ENGINE_PGBENCH_SECONDS ?? 5);
const ROOT = resolve(__dirname, '..', '..', '..');

function statementCount(files: string[]): number {
  return files.reduce((sum, file) => {
    try {
      return sum + Number(readFileSync(file, 'utf8') || 0);
    } catch {
      return sum;
    }
  }, 0);
}

function pick(env: NodeJS.ProcessEnv, pattern: RegExp): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => pattern.test(e[0]) && e[1] !== undefined));
}

async function xacts(db: Client): Promise<number> {
  await db.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await db.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0].n);
}

async function startAll(commands: CommandClient[], workflowId: string, count: number): Promise<void> {
  let next = 0;
  let turn = 0;
  const worker = async () => {
    while (next < count) {
      const client = commands[turn++ % commands.length];
      if (MODE === 'many') {
        const size = Math.min(BATCH, count - next);
        next += size;
        const items = Array.from({ length: size }, () => ({ workflowId, variables: {} }));
        const reply = await client.send(COMMANDS.orchestrator.startManyInstances, { items }, startManyInstancesReplyDataSchema, { timeoutMs: 60_000 });
        if (!reply.ok) throw new Error(reply.error.message);
      } else {
        next++;
        const reply = await client.send(COMMANDS.orchestrator.startInstance, { workflowId, variables: {} }, workflowInstanceSchema, { timeoutMs: 60_000 });
        if (!reply.ok) throw new Error(reply.error.message);
      }
    }
  };
  await Promise.all(Array.from({ length: MODE === 'many' ? Math.max(1, Math.ceil(CONCURRENCY / 16)) : CONCURRENCY }, worker));
}

async function waitTerminated(db: Client, workflowId: string, count: number): Promise<void> {
  for (;;) {
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM orchestrator.instances WHERE workflow_id = $1 AND terminated', [workflowId]);
    if (Number(rows[0].n) >= count) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One orchestrator process (built dist); resolves once it serves commands. */
async function spawnOrchestrator(env: Record<string, string>): Promise<ChildProcess> {
  const profile = process.env.ENGINE_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=/tmp/engine-prof'] : [];
  const child = spawn(process.execPath, [...profile, join(ROOT, 'dist', 'apps', 'orchestrator', 'src', 'main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((ready, failed) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('orchestrator is serving commands')) ready();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', (code) => failed(new Error(`orchestrator exited with ${code}:\n${output.slice(-3000)}`)));
  });
  return child;
}

function pgbenchTps(databaseUrl: string): number {
  const url = new URL(databaseUrl);
  const dir = mkdtempSync(join(tmpdir(), 'pgbench-'));
  const script = join(dir, 'insert.sql');
  writeFileSync(script, 'INSERT INTO bench_rows (payload) VALUES (md5(random()::text));\n');
  const output = execFileSync(
    '/usr/bin/pgbench',
    ['-n', '-c', '16', '-j', '2', '-T', String(PGBENCH_SECONDS), '-f', script, '-h', url.hostname, '-p', url.port || '5432', '-U', 'postgres', url.pathname.slice(1)],
    { encoding: 'utf8' },
  );
  return Number(/tps = ([\d.]+)/.exec(output)![1]);
}

async function main(): Promise<void> {
  const countDir = mkdtempSync(join(tmpdir(), 'engine-count-'));
  const countFiles = Array.from({ length: REPLICAS }, (_, i) => join(countDir, `replica-${i}`));
  if (process.env.ENGINE_PROFILE) mkdirSync('/tmp/engine-prof', { recursive: true });
  const nodeOptions = [`--require ${join(ROOT, 'scripts', 'bench', 'engine-count-statements.cjs')}`];
  const platform = await PlatformUnderTest.start({
    label: 'engine_quick',
    services: [],
    env: { LOG_LEVEL: 'info', NODE_OPTIONS: nodeOptions.join(' '), ...pick(process.env, /^ORCHESTRATOR_/) },
  });
  const replicas: ChildProcess[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    replicas.push(await spawnOrchestrator({ ...platform.env('orchestrator'), ENGINE_COUNT_FILE: countFiles[i] }));
  }
  const commands = [new CommandClient({ servers: [testNatsUrl()], namespace: platform.namespace, timeoutMs: 60_000, name: 'engine-quick' })];
  await commands[0].connect();
  const db = new Client({ connectionString: platform.database.url });
  await db.connect();
  try {
    const created = await commands[0].send(COMMANDS.orchestrator.createWorkflow, { config: { name: 'noop', stages: [{ noop: {} }] } }, workflowSchema);
    if (!created.ok) throw new Error(created.error.message);
    const workflowId = created.data.id;
    if (PRELOAD > 0) {
      await db.query(
        `INSERT INTO orchestrator.instances (id, workflow_id, variables, status, terminated, terminated_at, created_at, updated_at)
         SELECT gen_random_uuid(), $1, '{}', 'succeeded', true, now(), now(), now() FROM generate_series(1, $2)`,
        [workflowId, PRELOAD],
      );
      await db.query(
        `INSERT INTO orchestrator.stage_runs (instance_id, stage, kind, history_name, input, status, started_at, terminated_at)
         SELECT id, 0, 'noop', 'RunNoop', '{}', 'succeeded', created_at, created_at FROM orchestrator.instances`,
      );
      await db.query('VACUUM ANALYZE orchestrator.instances');
      await db.query('VACUUM ANALYZE orchestrator.stage_runs');
    }
    await startAll(commands, workflowId, 300); // warm-up: JIT, prepared statements, pools
    await waitTerminated(db, workflowId, 300 + PRELOAD);
    await new Promise((r) => setTimeout(r, 300));
    const statementsBefore = statementCount(countFiles);
    const xactsBefore = await xacts(db);
    const begin = process.hrtime.bigint();
    await startAll(commands, workflowId, N);
    await waitTerminated(db, workflowId, N + 300 + PRELOAD);
    const seconds = Number(process.hrtime.bigint() - begin) / 1e9;
    await new Promise((r) => setTimeout(r, 300));
    const statements = statementCount(countFiles) - statementsBefore;
    const transactions = (await xacts(db)) - xactsBefore;
    const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM orchestrator.instances WHERE error IS NOT NULL`);
    if (Number(rows[0].n) > 0) throw new Error(`${rows[0].n} instances failed`);
    const perSecond = N / seconds;
    process.stdout.write(
      JSON.stringify({ mode: MODE, n: N, concurrency: CONCURRENCY, batch: MODE === 'many' ? BATCH : 1, replicas: REPLICAS, preload: PRELOAD,
        instancesPerSecond: Math.round(perSecond), statementsPerInstance: +(statements / N).toFixed(3),
        transactionsPerInstance: +(transactions / N).toFixed(3) }) + '\n',
    );
  } finally {
    await db.end();
    await commands[0].close();
    await Promise.all(replicas.map((child) => new Promise((r) => {
      child.once('exit', r);
      child.kill('SIGTERM');
    })));
    await platform.stop();
  }
  if (PGBENCH_SECONDS > 0) {
    const scratch = await createTestDatabase('pgbench_quick');
    try {
      const client = new Client({ connectionString: scratch.url });
      await client.connect();
      await client.query('CREATE TABLE bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL)');
      await client.end();
      process.stdout.write(JSON.stringify({ pgbenchTps: Math.round(pgbenchTps(scratch.url)) }) + '\n');
    } finally {
      await scratch.drop();
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? String(error.stack) : JSON.stringify(error)}\n`);
  process.exit(1);
});
