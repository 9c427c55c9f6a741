import { Client } from 'pg';
import { connect } from 'nats';
import type { Logger } from 'pino';

const HINTS = {
  postgres:
    'check DATABASE_URL (host, port, user); to run Postgres locally leave DATABASE_URL unset and use `npm start` ' +
    '(it starts an embedded one), or `docker compose up -d postgres`, or (Debian) `apt-get install postgresql`',
  nats:
    'check NATS_URL; to run NATS locally leave NATS_URL unset and use `npm start` (it starts nats-server with JetStream), ' +
    'or `docker compose up -d nats`, or install nats-server (apt-get / brew install nats-server)',
};

/** Where a URL points, without credentials, for log lines. */
export function connectionTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return '<unparseable url>';
  }
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return e?.code ? `${e.code}${e.message && !e.message.includes(e.code) ? `: ${e.message}` : ''}` : String(e?.message ?? error);
}

interface WaitOptions {
  logger: Logger;
  retryEveryMs?: number;
  /** Give up after this long (default: never). */
  giveUpAfterMs?: number;
}

async function waitUntil(
  what: keyof typeof HINTS,
  where: string,
  probe: () => Promise<void>,
  { logger, retryEveryMs = 2000, giveUpAfterMs }: WaitOptions,
): Promise<void> {
  const started = Date.now();
  let warned = false;
  for (;;) {
    try {
      await probe();
      if (warned) logger.info({ dependency: what, where }, `${what} is reachable at ${where}`);
      return;
    } catch (error) {
      if (!warned) {
        logger.error(
          { dependency: what, where, reason: describe(error) },
          `${what} is not reachable at ${where} (${describe(error)}); retrying every ${retryEveryMs / 1000}s — ${HINTS[what]}`,
        );
        warned = true;
      }
      if (giveUpAfterMs !== undefined && Date.now() - started > giveUpAfterMs) {
        throw new Error(`${what} is not reachable at ${where}: ${describe(error)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, retryEveryMs));
    }
  }
}

/** Resolves once Postgres answers `SELECT 1` at `databaseUrl`; logs one clear line while it does not. */
export function waitForPostgres(databaseUrl: string, options: WaitOptions): Promise<void> {
  return waitUntil(
    'postgres',
    connectionTarget(databaseUrl),
    async () => {
      const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
      } catch (error) {
        // The server answers but the database is not created yet: reachable (it is created next).
        if ((error as { code?: string }).code !== '3D000') throw error;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    options,
  );
}

/** Resolves once a NATS server with JetStream answers at `servers`; logs one clear line while none does. */
export function waitForNats(servers: string[], options: WaitOptions): Promise<void> {
  return waitUntil(
    'nats',
    servers.map(connectionTarget).join(','),
    async () => {
      const nc = await connect({ servers, timeout: 3000, reconnect: false });
      try {
        await nc.jetstreamManager({ timeout: 3000 });
      } finally {
        await nc.close();
      }
    },
    options,
  );
}
