// `npm test` beside a running `npm start`: with every default port of the platform held (the
// gateway's 8080, the services' metrics 9464–9466), a platform under test still starts on free
// ports, in a database and NATS namespace of its own, and runs a workflow. A test that reaches
// for a default port is refused by PlatformUnderTest itself.
import { createServer, Server } from 'node:net';
import { assertNoDefaultPort, DEFAULT_PLATFORM_PORTS, PlatformUnderTest } from '@wfp/testing';

/** Holds a port on every interface; a port already held (a running `npm start`) counts as held. */
function hold(port: number): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(undefined) : reject(error)));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => resolve(server));
  });
}

describe('a platform under test beside one on the default ports', () => {
  const held: Server[] = [];
  let platform: PlatformUnderTest | undefined;

  beforeAll(async () => {
    for (const port of DEFAULT_PLATFORM_PORTS) {
      const server = await hold(port);
      if (server) held.push(server);
    }
    platform = await PlatformUnderTest.start({ label: 'ports' });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('listens on free ports only, with its own database and namespace', () => {
    const p = platform!;
    expect(DEFAULT_PLATFORM_PORTS).not.toContain(p.port);
    for (const service of ['orchestrator', 'triggers', 'interventions'] as const) {
      expect(DEFAULT_PLATFORM_PORTS).not.toContain(Number(new URL(p.metricsUrl(service)).port));
    }
    expect(p.namespace).not.toBe('wfp');
    expect(p.database.name).not.toBe('workflow_platform');
  });

  it('runs a workflow to its end', async () => {
    const base = `${platform!.url}/api/orchestration`;
    const created = await fetch(`${base}/workflows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'beside-npm-start', stages: [{ noop: {} }] }),
    });
    expect(created.status).toBe(201);
    const { data: workflow } = (await created.json()) as { data: { id: string } };
    const run = await fetch(`${base}/workflows/${workflow.id}/instances?wait=true`, { method: 'POST' });
    expect(run.status).toBe(201);
    const { data: instance } = (await run.json()) as { data: { terminated: boolean; error?: string } };
    expect(instance).toMatchObject({ terminated: true });
    expect(instance.error ?? '').toBe('');
  }, 60_000);

  it('refuses a service on a default or unset port', () => {
    expect(() => assertNoDefaultPort('gateway', { PORT: '8080' })).toThrow(/PORT=8080 is a default port/);
    expect(() => assertNoDefaultPort('orchestrator', {})).toThrow(/METRICS_PORT=\(unset\)/);
    expect(() => assertNoDefaultPort('triggers', { METRICS_PORT: '9465' })).toThrow(/default port/);
    expect(() => assertNoDefaultPort('interventions', { METRICS_PORT: '0' })).not.toThrow();
  });
});
