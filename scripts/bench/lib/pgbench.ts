/** pgbench single-row INSERT on a scratch database of the same Postgres: the machine's write reference. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '@wfp/testing';

export class PgBench {
  private constructor(private readonly database: TestDatabase) {}

  static async create(): Promise<PgBench> {
    const database = await createTestDatabase('bench_pgbench');
    const client = new Client({ connectionString: database.url });
    await client.connect();
    await client.query('CREATE TABLE bench_rows (id bigserial PRIMARY KEY, payload text NOT NULL)');
    await client.end();
    return new PgBench(database);
  }

  /**
   * Transactions per second of `INSERT … VALUES (md5(random()::text))`, 16 clients, 2 threads.
   * Retried a few times when it cannot connect (the shared server's max_connections is busy).
   */
  tps(seconds: number): number {
    for (let attempt = 1; ; attempt++) {
      try {
        return this.once(seconds);
      } catch (error) {
        if (attempt >= 5 || !/too many clients|could not create connection/.test(String((error as Error).message))) throw error;
        execFileSync('sleep', ['3']);
      }
    }
  }

  private once(seconds: number): number {
    const url = new URL(this.database.url);
    const dir = mkdtempSync(join(tmpdir(), 'pgbench-'));
    const script = join(dir, 'insert.sql');
    writeFileSync(script, 'INSERT INTO bench_rows (payload) VALUES (md5(random()::text));\n');
    const output = execFileSync(
      'pgbench',
      ['-n', '-c', '16', '-j', '2', '-T', String(seconds), '-f', script, '-h', url.hostname, '-p', url.port || '5432',
        '-U', decodeURIComponent(url.username || 'postgres'), url.pathname.slice(1)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${process.env.PATH}:/usr/lib/postgresql/15/bin:/usr/bin` } },
    );
    const match = /tps = ([\d.]+)/.exec(output);
    if (!match) throw new Error(`unexpected pgbench output:\n${output}`);
    return Number(match[1]);
  }

  async drop(): Promise<void> {
    await this.database.drop();
  }
}
