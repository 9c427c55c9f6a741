// `npm start` out of the box from any directory: a clone under a 0700 directory, as root (the
// embedded Postgres runs as user postgres, who cannot enter the clone) and as a non-root user,
// each in a network namespace of its own (nothing on 5432/4222/8080: the embedded Postgres and
// NATS start), reaches "Platform ready" and runs a workflow (with wfp), then stops on Ctrl-C.
// Needs root and `ip netns` (skipped otherwise).
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { eventually } from '@wfp/testing';
import { makeClone, netnsAvailable, userIds } from './private-clone';
import { watch, Watched } from './run-process';

const NON_ROOT_USER = process.env.WFP_TEST_USER ?? 'nobody';
const available = netnsAvailable() && userIds(NON_ROOT_USER) !== undefined && userIds('postgres') !== undefined;
const describeIfNetns = available ? describe : describe.skip;
if (!available) console.warn('any-directory: skipped (needs root, `ip netns`, and the users postgres and ' + NON_ROOT_USER + ')');

const pidsIn = (ns: string): string[] => spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);

interface Case {
  label: string;
  /** The user `npm start` runs as (undefined: root). */
  user?: string;
}

describeIfNetns.each<Case>([{ label: 'as root' }, { label: 'as a non-root user', user: NON_ROOT_USER }])(
  'npm start from a clone under a 0700 directory, $label, in its own network namespace',
  ({ user }) => {
    const ns = `wfp-anydir-${randomBytes(3).toString('hex')}`;
    let parent: string;
    let clone: string;
    let shared: string;
    let home: string;
    let start: Watched;
    const owner = user ? userIds(user) : undefined;

    /** A command inside the namespace, as the case's user, with a clean environment. */
    const inNamespace = (command: string[]): string[] => [
      'netns', 'exec', ns,
      ...(user ? ['runuser', '-u', user, '--'] : []),
      'env', '-i', `PATH=${process.env.PATH}`, `HOME=${home}`, `WFP_EMBEDDED_SHARED_DIR=${join(shared, 'wfp')}`,
      ...command,
    ];

    beforeAll(() => {
      parent = mkdtempSync(join(tmpdir(), 'wfp-newcomer-')); // 0700
      clone = join(parent, 'clone');
      home = join(parent, 'home');
      shared = mkdtempSync(join(tmpdir(), 'wfp-shared-'));
      chmodSync(shared, 0o755);
      makeClone(clone, owner);
      mkdirSync(home);
      if (owner) {
        chownSync(parent, owner.uid, owner.gid);
        chownSync(home, owner.uid, owner.gid);
      }
      expect(spawnSync('ip', ['netns', 'add', ns]).status).toBe(0);
      expect(spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']).status).toBe(0);
    }, 120_000);

    afterAll(async () => {
      if (start && start.child.exitCode === null) process.kill(-start.child.pid!, 'SIGKILL');
      // Whatever still runs in the namespace is ours.
      for (const pid of pidsIn(ns)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
      spawnSync('ip', ['netns', 'del', ns]);
      rmSync(parent, { recursive: true, force: true });
      rmSync(shared, { recursive: true, force: true });
    }, 60_000);

    it('reaches "Platform ready" with the embedded Postgres and NATS, and says where the data is', async () => {
      start = watch('ip', inNamespace(['bash', '-c', `cd "${clone}" && exec npm start`]), { detached: true });
      await eventually(
        () => {
          if (start.child.exitCode !== null) throw new Error(`npm start exited with ${start.child.exitCode}:\n${start.output()}`);
          return start.output().includes('Platform ready');
        },
        { timeoutMs: 240_000, intervalMs: 500, what: 'Platform ready' },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n--- npm start ---\n${start.output()}`);
      });
      const out = start.output();
      if (process.env.WFP_SHOW_START) console.log(out);
      expect(out).toMatch(/Postgres\s+embedded\s+127\.0\.0\.1:5432/);
      expect(out).toMatch(/NATS\s+embedded\s+127\.0\.0\.1:4222/);
      if (user) {
        expect(out).toContain('data in .data/postgres,');
      } else {
        expect(out).toContain(`data in ${join(shared, 'wfp', 'clusters')}`);
        expect(out).toMatch(/runs as user postgres, who cannot reach \.data\/; binaries copied to \//);
      }
    }, 300_000);

    it('runs a workflow (wfp workflows apply, run --wait)', () => {
      writeFileSync(join(home, 'flow.yaml'), 'name: newcomer\nstages:\n  - delay: {duration: 100ms}\n  - noop: {}\n');
      if (owner) chownSync(join(home, 'flow.yaml'), owner.uid, owner.gid);
      const wfp = (...args: string[]) =>
        spawnSync('ip', inNamespace(['WFP_SKIP_BUILD=1', 'node', join(clone, 'apps', 'cli', 'bin', 'wfp.js'), '--json', ...args]), {
          encoding: 'utf8',
          timeout: 60_000,
        });
      const applied = wfp('workflows', 'apply', '-f', join(home, 'flow.yaml'));
      expect([applied.status, applied.stderr]).toEqual([0, '']);
      const ran = wfp('run', 'newcomer', '--wait');
      expect([ran.status, ran.stderr]).toEqual([0, '']);
      expect(JSON.parse(ran.stdout)).toMatchObject({ terminated: true });
    }, 120_000);

    it('stops everything on Ctrl-C', async () => {
      const leftovers = () => spawnSync('ps', ['-o', 'pid=,args=', ...pidsIn(ns).flatMap((pid) => ['-p', pid])], { encoding: 'utf8' }).stdout;
      process.kill(-start.child.pid!, 'SIGINT');
      await start.exited;
      await eventually(() => pidsIn(ns).length === 0, { timeoutMs: 60_000, what: 'every process of the namespace to end' }).catch((error: Error) => {
        throw new Error(`${error.message}; still running:\n${leftovers()}\n--- npm start ---\n${start.output().slice(-3000)}`);
      });
      // (npm start polls /readyz until everything answers: its 503s while starting are expected.)
      const problems = start
        .output()
        .split('\n')
        .filter((line) => /\bError:|cannot run as root|"level":"(error|fatal)"/.test(line) && !line.includes('"route":"/readyz"'));
      expect(problems).toEqual([]);
    }, 90_000);
  },
);
