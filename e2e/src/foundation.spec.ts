import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { infoReplyDataSchema } from '@wfp/contracts';
import { connect } from 'nats';
import { createTestNamespace, eventually, testNatsUrl } from '@wfp/testing';
import { PlatformUnderTest } from '@wfp/testing';

const ROOT = join(__dirname, '..', '..');
const REQUEST_TIMEOUT_MS = 1500;

describe('foundation: HTTP → gateway → NATS → services', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'foundation',
      env: { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) },
    });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('serves getServerInfo from the orchestrator, unwrapped, on v1 and v2 paths', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const path of ['/api/orchestration/_info', '/api/orchestration/v2/_info']) {
      const res = await fetch(`${platform.url}${path}`);
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toEqual({ version });
      expect(infoReplyDataSchema.parse(body)).toEqual({ version });
    }
  });

  it('carries the request id over NATS to the service that handles the command', async () => {
    const requestId = `e2e-${Date.now()}`;
    const res = await fetch(`${platform.url}/api/orchestration/_info`, { headers: { 'x-request-id': requestId } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    await eventually(
      () =>
        platform
          .logLines('orchestrator')
          .some((line) => line.requestId === requestId && line.subject === `${platform.namespace}.orchestrator.v1.info`),
      { what: 'the orchestrator to log the request id' },
    );
  });

  it('reports readiness of Postgres, NATS and every service', async () => {
    const res = await fetch(`${platform.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: {
        postgres: { status: 'up' },
        nats: { status: 'up' },
        orchestrator: { status: 'up' },
        triggers: { status: 'up' },
        interventions: { status: 'up' },
      },
    });
    const live = await fetch(`${platform.url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
  });

  it('gives each service its own schema in the shared database', async () => {
    const client = new Client({ connectionString: platform.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ table_schema: string }>(
        `SELECT DISTINCT table_schema FROM information_schema.tables
          WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
      );
      // The triggers service owns two schemas: its triggers and its schedules (docs/schedules.md).
      expect(rows.map((r) => r.table_schema)).toEqual(['interventions', 'orchestrator', 'schedules', 'triggers']);
    } finally {
      await client.end();
    }
  });

  it('answers 503 in the Formance error format at once when no orchestrator runs, and recovers', async () => {
    await platform.stopService('orchestrator', 'SIGKILL');
    const started = Date.now();
    const res = await fetch(`${platform.url}/api/orchestration/_info`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    const body = (await res.json()) as { errorCode: string; errorMessage: string };
    expect(body).toEqual({
      errorCode: 'INTERNAL',
      errorMessage: expect.stringMatching(/^orchestrator service unavailable: no instance is running/),
    });
    expect(elapsed).toBeLessThan(REQUEST_TIMEOUT_MS + 5000);

    const ready = await fetch(`${platform.url}/readyz`);
    expect(ready.status).toBe(503);
    const readiness = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(readiness.status).toBe('not_ready');
    expect(readiness.checks.orchestrator.status).toBe('down');
    expect(readiness.checks.triggers.status).toBe('up');

    await platform.startService('orchestrator');
    const again = await fetch(`${platform.url}/api/orchestration/_info`);
    expect(again.status).toBe(200);
  }, 30_000);

  it('answers 503 after the configured timeout when a service takes the command but never replies', async () => {
    await platform.stopService('orchestrator', 'SIGKILL');
    const nc = await connect({ servers: testNatsUrl() });
    try {
      // A stuck replica: subscribed to the command, never answering.
      nc.subscribe(`${platform.namespace}.orchestrator.v1.info`, { callback: () => undefined });
      await nc.flush();
      const started = Date.now();
      const res = await fetch(`${platform.url}/api/orchestration/_info`);
      const elapsed = Date.now() - started;
      expect(res.status).toBe(503);
      expect(((await res.json()) as { errorMessage: string }).errorMessage).toContain(
        `no reply within ${REQUEST_TIMEOUT_MS} ms`,
      );
      expect(elapsed).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(REQUEST_TIMEOUT_MS + 5000);
    } finally {
      await nc.close();
      await platform.startService('orchestrator');
    }
  }, 30_000);
});

describe('start-up configuration', () => {
  it('refuses a bad variable with one line naming it', () => {
    const result = spawnSync(process.execPath, [join(ROOT, 'dist/apps/gateway/src/main.js')], {
      // Refused before it binds anything; never the default port or namespace of a running `npm start`.
      env: { PATH: process.env.PATH, PORT: 'eighty', NATS_URL: 'http://nope', NATS_NAMESPACE: createTestNamespace('badvar') },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]) as { level: string; msg: string };
    expect(line.level).toBe('fatal');
    expect(line.msg).toContain('NATS_URL');
    expect(line.msg).toContain('PORT');
  });

  it('says which dependency is unreachable and where, once, while it retries', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/orchestrator/src/main.js')], {
      // A free metrics port, a dead NATS and a namespace of its own: nothing shared with a running `npm start`.
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing',
        NATS_URL: 'nats://127.0.0.1:1',
        NATS_NAMESPACE: createTestNamespace('unreachable'),
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually(() => output.includes('not reachable'), { timeoutMs: 15_000, what: 'the unreachable log line' });
      await new Promise((resolve) => setTimeout(resolve, 4500)); // two more retries
      const lines = output.trim().split('\n');
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0]) as { msg: string; dependency: string; where: string };
      expect(line.dependency).toBe('postgres');
      expect(line.where).toBe('postgres://127.0.0.1:1/nothing');
      expect(line.msg).toContain('check DATABASE_URL');
      expect(output).not.toMatch(/\n\s+at /); // no stack trace
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);
});
