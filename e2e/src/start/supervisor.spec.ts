// The supervisor of `npm start` (scripts/dev/supervisor.mjs) over real child processes: a unit
// that exits is restarted with a doubling backoff while the others keep running; a unit that
// cannot get its port stops everything instead of restarting; SIGINT stops every unit.
import { join } from 'node:path';
import { eventually, freePort } from '@wfp/testing';
import { alive, watch, Watched } from './run-process';

const DRIVER = join(__dirname, 'fixtures', 'supervise.mjs');

const steady = (port: number) => ({
  name: 'steady',
  args: [
    '-e',
    `require('node:http').createServer((q, s) => s.end(String(process.pid))).listen(${port}, '127.0.0.1', () => console.log('steady listening pid=' + process.pid))`,
  ],
});

function supervise(config: unknown): Watched {
  return watch(process.execPath, [DRIVER, JSON.stringify(config)]);
}

describe('npm start supervisor', () => {
  let run: Watched | undefined;
  afterEach(async () => {
    if (run && run.child.exitCode === null) {
      run.child.kill('SIGINT');
      await run.exited;
    }
    run = undefined;
  });

  it('restarts a unit that exits, with a doubling backoff, and keeps the others up', async () => {
    const port = await freePort();
    run = supervise({
      backoff: { initialMs: 200, maxMs: 800, resetAfterMs: 60_000 },
      units: [{ name: 'crasher', args: ['-e', "console.log('crasher up'); setTimeout(() => process.exit(3), 100)"] }, steady(port)],
    });
    const current = run;
    await eventually(() => (current.output().match(/crasher exited/g) ?? []).length >= 4, { timeoutMs: 30_000, what: 'four crashes' });
    const delays = [...current.output().matchAll(/crasher exited \(code 3\) after [^;]+; restarting in (\S+) \(restart #(\d+)\)/g)].map((m) => [m[1], m[2]]);
    expect(delays.slice(0, 4)).toEqual([
      ['200ms', '1'],
      ['400ms', '2'],
      ['800ms', '3'],
      ['800ms', '4'],
    ]);
    // The steady unit was never restarted and still serves, from its first process.
    const pids = [...current.output().matchAll(/steady listening pid=(\d+)/g)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(1);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe(String(pids[0]));

    current.child.kill('SIGINT');
    expect((await current.exited).code).toBe(0);
    expect(current.output()).toContain('STOPPED');
    expect(alive(pids[0])).toBe(false);
  }, 60_000);

  it('does not restart a unit whose port is taken: it stops everything and reports it', async () => {
    const port = await freePort();
    run = supervise({
      units: [
        steady(port),
        {
          name: 'gateway',
          args: ['-e', "console.error('Error: listen EADDRINUSE: address already in use 0.0.0.0:8080'); process.exit(1)"],
        },
      ],
    });
    const current = run;
    const { code } = await current.exited;
    expect(code).toBe(1);
    expect(current.output()).toContain('gateway exited (code 1) and cannot run: Error: listen EADDRINUSE');
    expect(current.output()).toContain('FATAL gateway');
    expect(current.output()).not.toMatch(/gateway exited[^\n]*restarting/);
    const pid = Number(/steady listening pid=(\d+)/.exec(current.output())?.[1]);
    if (pid) expect(alive(pid)).toBe(false);
  }, 30_000);

  it('does not restart a unit whose configuration is invalid (exit 78)', async () => {
    run = supervise({
      units: [{ name: 'orchestrator', args: ['-e', "console.error('{\"level\":\"fatal\",\"msg\":\"Invalid configuration: LOG_LEVEL: bad\"}'); process.exit(78)"] }],
    });
    const current = run;
    expect((await current.exited).code).toBe(1);
    expect(current.output()).toContain('orchestrator exited (code 78) and cannot run: invalid configuration:');
    expect(current.output()).toContain('Invalid configuration: LOG_LEVEL: bad');
    expect(current.output()).not.toContain('restarting');
  }, 30_000);
});
