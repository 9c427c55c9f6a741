// `npm start`'s run step (scripts/run-all.mjs) against the built services: a port held by another
// process is a clear error (never "Platform ready" from someone else's /readyz); a wrong
// DATABASE_URL / NATS_URL says to check that variable; a killed service is restarted while the
// gateway answers 503 for it; SIGINT stops every process it started.
import { createServer, Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase, createTestNamespace, eventually, freePort, removeTestNamespace, TestDatabase, testNatsUrl } from '@wfp/testing';
import { alive, watch, Watched } from './run-process';

const ROOT = join(__dirname, '..', '..', '..');
const RUN_ALL = join(ROOT, 'scripts', 'run-all.mjs');

function runAll(env: Record<string, string>): Watched {
  // METRICS_PORT=0: each service's metrics server on a free port, so runs never collide.
  return watch(process.execPath, [RUN_ALL], { cwd: ROOT, env: { ...process.env, METRICS_PORT: '0', LOG_LEVEL: 'warn', ...env } });
}

function childrenOf(pid: number): { pid: number; cmd: string }[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' }).trim();
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [p, ...cmd] = line.trim().split(/\s+/);
      return { pid: Number(p), cmd: cmd.join(' ') };
    });
}

describe('npm start (scripts/run-all.mjs)', () => {
  it('refuses to start when the gateway port is taken, even by something that answers /readyz', async () => {
    const impostor: Server = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}'));
    const port = await freePort();
    await new Promise<void>((resolve) => impostor.listen(port, '0.0.0.0', resolve));
    try {
      const run = runAll({ PORT: String(port), DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused', NATS_URL: testNatsUrl() });
      const { code } = await run.exited;
      expect(code).toBe(1);
      expect(run.output()).toContain(`Port ${port} (gateway) is already in use`);
      expect(run.output()).toContain('PORT');
      expect(run.output()).not.toContain('Platform ready');
    } finally {
      impostor.close();
    }
  }, 30_000);

  it('says to check DATABASE_URL when it points nowhere, and NATS_URL likewise', async () => {
    const deadPort = await freePort();
    const pg = runAll({ PORT: String(await freePort()), DATABASE_URL: `postgres://postgres@127.0.0.1:${deadPort}/x`, NATS_URL: testNatsUrl() });
    expect((await pg.exited).code).toBe(1);
    expect(pg.output()).toContain(`Postgres is not reachable at 127.0.0.1:${deadPort}`);
    expect(pg.output()).toContain('Check DATABASE_URL');

    const nats = runAll({
      PORT: String(await freePort()),
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      NATS_URL: `nats://127.0.0.1:${deadPort}`,
    });
    expect((await nats.exited).code).toBe(1);
    expect(nats.output()).toContain('Check NATS_URL');
    expect(nats.output()).not.toContain('Platform ready');
  }, 60_000);

  describe('a running platform', () => {
    let db: TestDatabase;
    let namespace: string;
    let run: Watched;
    let url: string;

    beforeAll(async () => {
      db = await createTestDatabase('start');
      namespace = createTestNamespace('start');
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      run = runAll({ PORT: String(port), DATABASE_URL: db.url, NATS_URL: testNatsUrl(), NATS_NAMESPACE: namespace, REQUEST_TIMEOUT_MS: '1500' });
      await eventually(() => run.output().includes('Platform ready'), { timeoutMs: 150_000, intervalMs: 250, what: 'Platform ready' });
    }, 180_000);

    afterAll(async () => {
      if (run?.child.exitCode === null) {
        run.child.kill('SIGKILL');
        for (const c of childrenOf(run.child.pid!)) process.kill(c.pid, 'SIGKILL');
      }
      await removeTestNamespace(namespace).catch(() => undefined);
      await db?.drop().catch(() => undefined);
    });

    it('says which parts are external', () => {
      expect(run.output()).toMatch(/Postgres\s+external/);
      expect(run.output()).toMatch(/NATS\s+external/);
    });

    it('restarts a killed service while the gateway answers 503 for it, then stops everything on SIGINT', async () => {
      const interventions = childrenOf(run.child.pid!).find((c) => c.cmd.includes('dist/apps/interventions/src/main.js'));
      expect(interventions).toBeDefined();
      process.kill(interventions!.pid, 'SIGKILL');
      const probe = () => fetch(`${url}/1.0/interventions?access_token=nobody`).then((r) => r.status);
      await eventually(async () => (await probe()) === 503, { timeoutMs: 20_000, intervalMs: 100, what: '503 while interventions is down' });
      expect(await probe()).not.toBe(200);
      await eventually(() => /interventions exited \(signal SIGKILL\)[^\n]*restarting in 1s/.test(run.output()), { what: 'restart log line' });
      await eventually(async () => (await probe()) === 403, { timeoutMs: 60_000, intervalMs: 250, what: 'interventions back (403 for an unknown token)' });
      // The others were not restarted.
      expect(run.output()).not.toMatch(/(orchestrator|triggers|gateway) exited/);

      const started = childrenOf(run.child.pid!).map((c) => c.pid);
      expect(started.length).toBe(4);
      run.child.kill('SIGINT');
      expect((await run.exited).code).toBe(0);
      for (const pid of started) expect(alive(pid)).toBe(false);
    }, 120_000);
  });
});
