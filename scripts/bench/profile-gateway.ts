/**
 * Profiling aid (not part of the suite): the gateway scenario's load (`GET
 * /api/orchestration/instances/{id}`, 32 keep-alive connections, BENCH_SECONDS, default 8, at
 * LOG_LEVEL=info with auth on) with the gateway and the orchestrator CPU-profiled (the
 * cpu-profile.cjs preload; profiles into BENCH_PROFILE_DIR, default /tmp/wfp-prof; summarise one
 * with `node scripts/bench/profile-top.cjs <file>`) and every orchestrator `pg` statement counted
 * (engine-count-statements.cjs, by text), after the bare server of the scenario under the same
 * load (first, so that the profiles end with the gateway's load). Prints, for each, req/s and the CPU time per request of every process on the path
 * (gateway, orchestrator, nats-server, postgres, the bare server and the load generator, from
 * /proc: robust to a busy machine, unlike req/s), and the orchestrator's statements per request.
 *
 *   npm run build && node dist/scripts/bench/profile-gateway.js
 */
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, eventually, freePort } from '@wfp/testing';
import { GATEWAY_AUTH_ENV, gatewayToken, spawnGateway } from './lib/gateway';
import { requestsPerSecond } from './lib/http-load';
import { BenchPlatform, ROOT } from './lib/platform';
import { sleep } from './lib/stats';

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 8);
  // BENCH_PROFILE=0: no CPU profiles (the profiler's own cost is not in the CPU times then).
  const profiling = process.env.BENCH_PROFILE !== '0';
  const dir = process.env.BENCH_PROFILE_DIR ?? '/tmp/wfp-prof';
  mkdirSync(dir, { recursive: true });
  const countFile = join(dir, `orchestrator-${process.pid}.statements`);
  const counter = join(ROOT, 'scripts', 'bench', 'engine-count-statements.cjs');
  const profiler = join(ROOT, 'scripts', 'bench', 'cpu-profile.cjs');
  const platform = await BenchPlatform.start({
    label: 'bench_profile_gateway',
    services: ['orchestrator'],
    env: GATEWAY_AUTH_ENV,
    serviceEnv: {
      orchestrator: {
        NODE_OPTIONS: [`--require=${counter}`, ...(profiling ? [`--require=${profiler}`] : [])].join(' '),
        ENGINE_COUNT_FILE: countFile,
        ENGINE_COUNT_BY_TEXT: '1',
        CPU_PROFILE_FILE: join(dir, `orchestrator-${process.pid}.cpuprofile`),
      },
      gateway: profiling ? { NODE_OPTIONS: `--require=${profiler}`, CPU_PROFILE_FILE: join(dir, `gateway-${process.pid}.cpuprofile`) } : {},
    },
  });
  const gateways: ChildProcess[] = [];
  const bareDb = await createTestDatabase('bench_profile_bare');
  let bare: ChildProcess | undefined;
  databases.push(...[platform.platform.database.url, bareDb.url].map((url) => new URL(url).pathname.slice(1)));
  const statements = () => Number(safeRead(countFile) || 0);
  try {
    const workflowId = await platform.createWorkflow('profile-gateway', [{ noop: {} }]);
    await platform.detectStartMode(workflowId);
    await platform.startInstances(workflowId, 1);
    await platform.completed(workflowId, 1);
    const instanceId = [...platform.watcher.instances.entries()].find(([, seen]) => seen.workflowId === workflowId)![0];
    const base = await spawnGateway(platform, 'info', gateways);
    const headers = { Authorization: `Bearer ${await gatewayToken(base, 'orchestration:read')}` };
    const url = `${base}/api/orchestration/instances/${instanceId}`;
    const body = await (await fetch(url, { headers })).text();
    // The bare server first: the profiles end with the gateway's load (profile-top.cjs, or a window).
    const client = new Client({ connectionString: bareDb.url });
    await client.connect();
    await client.query('CREATE TABLE bench_instances (id text PRIMARY KEY, body text NOT NULL)');
    await client.query('INSERT INTO bench_instances (id, body) VALUES ($1, $2)', [instanceId, body]);
    await client.end();
    const port = await freePort();
    bare = spawn(process.execPath, [join(__dirname, 'lib', 'bare-server.js'), bareDb.url, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let ready = false;
    bare.stdout!.on('data', () => (ready = true));
    await eventually(() => ready, { what: 'the bare server' });
    const bareUrl = `http://127.0.0.1:${port}/api/orchestration/instances/${instanceId}`;
    await requestsPerSecond(bareUrl, 1);
    process.stdout.write(`${(await measured(() => requestsPerSecond(bareUrl, seconds), seconds)).line.replace(/^gateway/, 'bare')}\n`);

    await requestsPerSecond(url, 1, 32, headers); // warm-up
    await sleep(500); // the statement counter is written every 200 ms
    const before = statements();
    const gateway = await measured(() => requestsPerSecond(url, seconds, 32, headers), seconds);
    await sleep(500);
    const perRequest = (statements() - before) / (gateway.rate * seconds);
    process.stdout.write(`${gateway.line}; orchestrator ${perRequest.toFixed(2)} statements per request\n`);
  } finally {
    bare?.kill('SIGTERM');
    for (const child of gateways) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await platform.stop();
    await bareDb.drop();
  }
  process.stdout.write(`profiles and statement counts in ${dir} (statements by text: ${countFile}.texts.json)\n`);
}

/**
 * Runs a load, with req/s and the CPU time per request (µs) of each process on the path; and what
 * each used while idle (timers, polls; ms per s, over 2 s before the load) to judge that share.
 */
async function measured(load: () => Promise<number>, seconds: number): Promise<{ rate: number; line: string }> {
  const idleStart = cpuByProcess();
  await sleep(2000);
  const idle = byRole(idleStart, cpuByProcess());
  const loadAverage = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const before = cpuByProcess();
  const rate = await load();
  const after = cpuByProcess();
  const requests = rate * seconds;
  const perRequest = [...byRole(before, after)]
    .map(([role, ticks]) => [role, (ticks * 10_000) / requests] as const)
    .filter(([, us]) => us >= 1)
    .sort((a, b) => b[1] - a[1]);
  const total = perRequest.reduce((sum, [, us]) => sum + us, 0);
  const shown = perRequest.map(([role, us]) => `${role} ${us.toFixed(0)}`).join(', ');
  const idleShown = [...idle].filter(([, ticks]) => ticks > 0).map(([role, ticks]) => `${role} ${((ticks * 10) / 2).toFixed(0)}`).join(', ');
  return {
    rate,
    line: `gateway ${rate.toFixed(0)} req/s over ${seconds} s (load average at start ${loadAverage}); CPU µs per request: ${shown} (total ${total.toFixed(0)}); idle before, CPU ms/s: ${idleShown || 'none'}`,
  };
}

/** CPU ticks between two snapshots, by role. */
function byRole(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, ticks] of after) {
    const role = key.slice(0, key.lastIndexOf(' '));
    out.set(role, (out.get(role) ?? 0) + ticks - (before.get(key) ?? 0));
  }
  return out;
}

/** The databases whose backends count (the platform's and the bare server's; others may share the server). */
const databases: string[] = [];

/**
 * CPU time (clock ticks, 10 ms) of the processes on the path, by role and pid (a process that
 * started between two snapshots counts from 0; one that ended is left out).
 */
function cpuByProcess(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const stat = safeRead(`/proc/${pid}/stat`);
    const cmdline = safeRead(`/proc/${pid}/cmdline`);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const label =
      Number(pid) === process.pid ? 'load generator'
      : cmdline.includes('dist/apps/gateway/') ? 'gateway'
      : cmdline.includes('dist/apps/orchestrator/') ? 'orchestrator'
      : cmdline.includes('bare-server') ? 'bare server'
      : comm === 'postgres' && databases.some((name) => cmdline.includes(` ${name} `)) ? 'postgres'
      : comm === 'nats-server' ? comm
      : undefined;
    if (label) out.set(`${label} ${pid}`, Number(fields[11]) + Number(fields[12]));
  }
  return out;
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
