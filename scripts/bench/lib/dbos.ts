/** Runs DBOS Transact's side of the 1-stage workflow comparison in a child process (see dbos-worker.ts). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createTestDatabase } from '@wfp/testing';
import { withRetries } from './platform';

export async function dbosRate(instances: number, concurrency: number): Promise<number> {
  return withRetries(() => dbosRateOnce(instances, concurrency));
}

async function dbosRateOnce(instances: number, concurrency: number): Promise<number> {
  const database = await createTestDatabase('bench_dbos');
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(__dirname, 'dbos-worker.js'), database.url, String(instances), String(concurrency), '1'],
        { maxBuffer: 10 * 1024 * 1024, timeout: 600_000 },
        (error, out, err) => (error ? reject(new Error(`DBOS worker failed: ${error.message}\n${err}`)) : resolve(out)),
      );
    });
    const lines = stdout.trim().split('\n').filter((line) => line.startsWith('{'));
    return (JSON.parse(lines[lines.length - 1]) as { perSecond: number }).perSecond;
  } finally {
    await database.drop();
  }
}
