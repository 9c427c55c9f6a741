import type { DataSource } from 'typeorm';

/**
 * Cluster-wide mutual exclusion for periodic jobs, through a Postgres session advisory lock.
 *
 * Guarantees: while `fn` runs in one process, `runExclusively` with the same `lockKey` on the
 * same database returns `{ran: false}` at once everywhere else (never waits, never runs twice at
 * the same time). The lock is held on one pooled connection for the duration of `fn` and released
 * after it (or by Postgres itself if that connection dies, e.g. the process is killed).
 * `fn` may use any other connection. Use it for leader-only work ("run once per cluster").
 */
export async function runExclusively<T>(
  dataSource: DataSource,
  lockKey: string,
  fn: () => Promise<T>,
): Promise<{ ran: true; value: T } | { ran: false }> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const rows: { locked: boolean }[] = await runner.query(`SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`, [lockKey]);
    if (!rows[0]?.locked) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [lockKey]);
    }
  } finally {
    await runner.release();
  }
}
