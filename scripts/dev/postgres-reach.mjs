// Where the embedded Postgres can live when it runs as another user (we are root: Postgres
// refuses root, so the server runs as `postgres`/`nobody`). That user must reach its binaries
// and its data directory; a clone under a directory only root can enter (/root/…, mktemp -d)
// lets it reach neither. Then, instead of stopping:
// - the binaries are copied once per version into a shared directory that user can enter
//   (WFP_EMBEDDED_SHARED_DIR, default /var/tmp/wfp: kept across reboots, unlike /tmp);
// - the cluster lives there too, one per data directory (named after its path), unless
//   WFP_DATA_DIR was given explicitly (then an unreachable one is an error that says so).
// The shared directory is created root-owned, mode 0755; one that exists and is not a real
// directory owned by root is refused (a world-writable /var/tmp must not redirect us).
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const DEFAULT_SHARED_DIR = '/var/tmp/wfp';

export class PostgresReachError extends Error {}

/** `test <flag> <file>` as the given user: whether they may read/write/enter it (the whole path included). */
export function userCan(ids, flag, file) {
  return spawnSync('test', [flag, file], { ...ids, cwd: '/' }).status === 0;
}

/** A directory owned by root, mode 0755 (created if missing); anything else there is refused. */
function ownedDirectory(dir) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== 0) {
    throw new PostgresReachError(`${dir} exists but is not a directory owned by root: remove it, or set WFP_EMBEDDED_SHARED_DIR elsewhere`);
  }
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function sharedDir(env = process.env) {
  const dir = path.resolve(env.WFP_EMBEDDED_SHARED_DIR || DEFAULT_SHARED_DIR);
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  return ownedDirectory(dir);
}

/**
 * The Postgres binaries the server user can run: the package's own when it reaches them, else a
 * copy of the package's `native/` directory in the shared directory (made once per version).
 * @returns {{ postgres: string, initdb: string, copiedTo?: string }}
 */
export function reachableBinaries({ bin, nativeDir, version, ids, env = process.env, log = () => undefined }) {
  if (spawnSync(bin.postgres, ['--version'], { ...ids, cwd: '/' }).status === 0) return { postgres: bin.postgres, initdb: bin.initdb };
  const target = path.join(sharedDir(env), `postgres-${version}-${process.platform}-${process.arch}`);
  if (!fs.existsSync(path.join(target, '.complete'))) {
    log(`[start] user cannot reach the Postgres binaries in ${nativeDir}: copying them to ${target} (once)`);
    const partial = `${target}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.cpSync(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(partial, 0o755);
    fs.writeFileSync(path.join(partial, '.complete'), `${new Date().toISOString()}\n`);
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(partial, target);
  }
  const copied = (file) => path.join(target, path.relative(nativeDir, file));
  const result = { postgres: copied(bin.postgres), initdb: copied(bin.initdb), copiedTo: target };
  if (spawnSync(result.postgres, ['--version'], { ...ids, cwd: '/' }).status !== 0) {
    throw new PostgresReachError(`The server user cannot run ${result.postgres} either: set DATABASE_URL to a Postgres of your own.`);
  }
  return result;
}

/**
 * The cluster directory: `<dataDir>/postgres` when the server user can write it there, else (data
 * directory not given explicitly) `<shared>/clusters/<name>-<hash of dataDir>/postgres`.
 * @returns {{ clusterDir: string, moved: boolean }}
 */
export function reachableClusterDir({ dataDir, dataDirGiven, user, ids, env = process.env }) {
  const preferred = path.join(dataDir, 'postgres');
  const existed = fs.existsSync(preferred);
  const prepare = (dir) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.chownSync(dir, ids.uid, ids.gid);
    fs.chmodSync(dir, 0o700);
    return userCan(ids, '-w', dir);
  };
  if (prepare(preferred)) return { clusterDir: preferred, moved: false };
  if (!existed) fs.rmSync(preferred, { recursive: true, force: true });
  if (dataDirGiven) {
    throw new PostgresReachError(
      `Postgres cannot run as root, so the embedded one runs as user "${user}", who cannot write ${preferred} ` +
        '(a parent directory is not searchable for it): set WFP_DATA_DIR to a directory that user can reach, ' +
        'unset it (the data then goes to a shared directory that user can reach), or set DATABASE_URL to a Postgres of your own.',
    );
  }
  const name = `${path.basename(path.dirname(dataDir)) || 'root'}-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`;
  const clusters = ownedDirectory(path.join(sharedDir(env), 'clusters'));
  const fallback = path.join(ownedDirectory(path.join(clusters, name)), 'postgres');
  if (!prepare(fallback)) throw new PostgresReachError(`User "${user}" cannot write ${fallback} either: set DATABASE_URL to a Postgres of your own.`);
  return { clusterDir: fallback, moved: true };
}
