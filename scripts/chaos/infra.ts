/**
 * The chaos run's own Postgres and NATS (JetStream), on free ports with data in a temp dir, so
 * they can be crashed and restarted without touching the shared instances (5432 / 4222).
 *
 * - Postgres: `initdb` + `pg_ctl` from POSTGRES_BIN (default /usr/lib/postgresql/15/bin); a crash
 *   is `pg_ctl stop -m immediate` (every backend killed, recovery from WAL on the next start).
 *   When run as root, the server runs as the `postgres` user (initdb refuses root).
 * - NATS: `nats-server -js` with a file store; a crash is SIGKILL.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { connect } from 'nats';
import { Client } from 'pg';
import { freePort } from '@wfp/testing';

const PG_BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const NATS_SERVER = process.env.NATS_SERVER_BIN ?? 'nats-server';

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** uid/gid to run Postgres as (the `postgres` user when we are root). */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export class ChaosPostgres {
  private readonly dataDir: string;
  private readonly user = postgresUser();

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.dataDir = join(dir, 'pgdata');
  }

  static async create(dir: string): Promise<ChaosPostgres> {
    const pg = new ChaosPostgres(dir, await freePort());
    mkdirSync(dir, { recursive: true });
    if (pg.user) {
      chmodSync(dirname(dir), 0o755); // the temp dir is 0700: let the postgres user through
      chownSync(dir, pg.user.uid, pg.user.gid);
    }
    pg.run('initdb', ['-D', pg.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await pg.start();
    return pg;
  }

  /** Server URL (database `postgres`). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private run(binary: string, args: string[]): void {
    try {
      execFileSync(join(PG_BIN, binary), args, { stdio: ['ignore', 'ignore', 'pipe'], ...(this.user ?? {}) });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
      throw new Error(`${binary} failed${stderr ? `: ${stderr}` : ''}`);
    }
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=300`;
    this.run('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'postgres.log'), '-w', '-t', '120', '-o', options, 'start']);
    await until('postgres to accept connections', async () => {
      const client = new Client({ connectionString: this.url });
      await client.connect();
      await client.end();
      return true;
    });
  }

  /** A crash: every backend is killed at once, no checkpoint (recovery replays the WAL). */
  crash(): void {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
  }

  stop(): void {
    try {
      this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', 'stop']);
    } catch {
      // already stopped
    }
  }
}

export class ChaosNats {
  private process?: ChildProcess;

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  static async create(dir: string): Promise<ChaosNats> {
    const nats = new ChaosNats(dir, await freePort());
    mkdirSync(join(dir, 'jetstream'), { recursive: true });
    await nats.start();
    return nats;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const log = openSync(join(this.dir, 'nats.log'), 'a');
    this.process = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', join(this.dir, 'jetstream')], {
      stdio: ['ignore', log, log],
    });
    await until('nats-server with JetStream', async () => {
      const nc = await connect({ servers: this.url, reconnect: false, timeout: 1000 });
      try {
        await (await nc.jetstreamManager()).getAccountInfo();
        return true;
      } finally {
        await nc.close();
      }
    });
  }

  /** A crash: SIGKILL (what was written stays in the file store; the OS keeps its page cache). */
  async crash(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}
