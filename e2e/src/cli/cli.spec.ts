// `wfp`, the command-line client, end to end against the real platform (the built services,
// auth on): apply is create-or-find by name, run --wait, a live watch ended by a signal, abort,
// triggers fired by a published event, --json results and the exit code of each kind of failure.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, PlatformUnderTest } from '@wfp/testing';
import { CLI_BIN, CLI_MAIN, wfp } from './run-cli';

const CLIENT_ID = 'cli-e2e';
const CLIENT_SECRET = 'cli-e2e-secret-value-0123456789';
jest.setTimeout(60_000);

describe('wfp (command-line client) against the platform', () => {
  let platform: PlatformUnderTest;
  let dir: string;
  let env: Record<string, string>;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const run = (...args: string[]) => wfp(args, env);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wfp-cli-'));
    platform = await PlatformUnderTest.start({
      label: 'cli',
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50', ORCHESTRATION_RUN_WAIT_TIMEOUT_MS: '1000' },
    });
    env = { WFP_URL: platform.url, WFP_CLIENT_ID: CLIENT_ID, WFP_CLIENT_SECRET: CLIENT_SECRET };
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without credentials: exit 4, saying which variables to set', async () => {
    const res = await wfp(['workflows', 'list'], { WFP_URL: platform.url });
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('WFP_CLIENT_ID');
    const wrong = await wfp(['workflows', 'list'], { ...env, WFP_CLIENT_SECRET: 'not-the-secret' });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain('refused the client credentials');
  });

  it('workflows apply creates, then finds by name; another definition under the same name is a conflict (exit 6)', async () => {
    const flow = file('flow.yaml', 'name: cli-noop\nstages:\n  - noop: {}\n');
    const first = await run('--json', 'workflows', 'apply', '-f', flow);
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ name: 'cli-noop', action: 'created', id: expect.any(String) });
    const again = await run('--json', 'workflows', 'apply', '-f', flow);
    expect(again.json()).toEqual({ ...first.json(), action: 'unchanged' });
    const human = await run('workflows', 'apply', '-f', flow);
    expect(human.stdout.trim()).toBe(`workflow "cli-noop" ${first.json().id} unchanged`);

    const changed = await run('workflows', 'apply', '-f', file('changed.yaml', 'name: cli-noop\nstages:\n  - delay: {duration: 1s}\n'));
    expect(changed.code).toBe(6);
    expect(changed.stderr).toContain('exists');

    const list = await run('--json', 'workflows', 'list');
    expect(list.json().filter((w: { config: { name?: string } }) => w.config.name === 'cli-noop')).toHaveLength(1);
    expect((await run('workflows', 'list')).stdout).toMatch(/^ID +NAME +STAGES +CREATED\n.*cli-noop +1 /m);
  });

  it('run --wait by name: the ended instance, exit 0; --var sets its variables', async () => {
    const res = await run('--json', 'run', 'cli-noop', '--wait', '--var', 'who=me', '--var', 'expr=a=b');
    expect(res.code).toBe(0);
    expect(res.json()).toMatchObject({ terminated: true });
    expect(res.json().error ?? '').toBe('');
    const history = await run('--json', 'instances', 'history', res.json().id);
    expect(history.json().map((h: { name: string }) => h.name)).toEqual(['RunNoop']);

    await run('workflows', 'apply', '-f', file('vars.yaml', 'name: cli-vars\nstages:\n  - delay: {duration: "${pause}"}\n'));
    const withVars = await run('--json', 'run', 'cli-vars', '--wait', '--var', 'pause=20ms');
    expect(withVars.code).toBe(0);
    const resolved = (await run('--json', 'instances', 'history', withVars.json().id)).json();
    expect(resolved[0]).toMatchObject({ name: 'RunDelay', input: { duration: '20ms' } });
  });

  it('instances watch: the live timeline until a signal ends the instance (NDJSON with --json)', async () => {
    await run('workflows', 'apply', '-f', file('waiter.yaml', 'name: cli-waiter\nstages:\n  - delay: {duration: 200ms}\n  - wait_event: {event: go}\n'));
    const started = await run('--json', 'run', 'cli-waiter');
    expect(started.code).toBe(0);
    const id: string = started.json().id;
    const watching = run('--json', 'instances', 'watch', id, '--interval', '100ms');
    const text = run('instances', 'watch', id, '--interval', '100ms');
    await eventually(async () => (await run('--json', 'instances', 'get', id)).json().status?.length === 2, { what: 'the wait_event stage' });
    const sent = await run('instances', 'events', 'send', id, 'go');
    expect(sent.code).toBe(0);
    expect(sent.stdout.trim()).toBe(`event "go" sent to instance ${id}`);

    const watched = await watching;
    expect(watched.code).toBe(0);
    const lines = watched.stdout.trim().split('\n').map((l) => JSON.parse(l) as { state: string; stages: Array<{ kind: string; state: string }> });
    expect(lines.some((t) => t.stages[1].state === 'waiting')).toBe(true);
    expect(lines[lines.length - 1]).toMatchObject({ state: 'succeeded', stages: [{ kind: 'delay', state: 'succeeded' }, { kind: 'wait_event', state: 'succeeded' }] });
    const human = await text;
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/instance .* of cli-waiter: running\n +0 +… delay|instance .* of cli-waiter: running\n +0 +✓ delay/);
    expect(human.stdout).toMatch(/of cli-waiter: succeeded\n +0 +✓ delay +succeeded.*\n +1 +✓ wait_event +succeeded .*for event "go"/);
  });

  it('instances watch on a terminal redraws the timeline in place (durations tick), then ends with the instance', async () => {
    const started = await run('--json', 'run', 'cli-waiter');
    const id: string = started.json().id;
    // `script` gives the command a pseudo-terminal (stdout.isTTY), as in an interactive shell.
    const command = `${process.execPath} ${CLI_MAIN} instances watch ${id} --interval 100ms`;
    const watching = wfp([], env, { command: ['script', '-qefc', command, '/dev/null'] });
    await eventually(async () => (await run('--json', 'instances', 'get', id)).json().status?.length === 2, { what: 'the wait_event stage' });
    await new Promise((resolve) => setTimeout(resolve, 400)); // a few redraws while it waits
    expect((await run('instances', 'events', 'send', id, 'go')).code).toBe(0);
    const watched = await watching;
    expect(watched.code).toBe(0);
    // Each redraw moves up over the 3-line block and clears it.
    expect(watched.stdout.split('\x1b[3A\x1b[J').length).toBeGreaterThan(3);
    expect(watched.stdout).toMatch(/of cli-waiter: succeeded\r?\n/);
  });

  it('abort ends a waiting instance (watch exits 1); run --wait --timeout gives up with exit 7', async () => {
    const timedOut = await run('--json', 'run', 'cli-waiter', '--wait', '--timeout', '1500ms');
    expect(timedOut.code).toBe(7);
    expect(timedOut.stderr).toContain('still running');
    const running = (await run('--json', 'instances', 'list', '--workflow', 'cli-waiter', '--running')).json() as Array<{ id: string }>;
    expect(running.length).toBeGreaterThan(0);
    const id = running[0].id;
    expect((await run('instances', 'abort', id)).code).toBe(0);
    const watched = await run('instances', 'watch', id);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain('canceled');
    expect((await run('instances', 'abort', id)).code).toBe(1); // already ended: 400 from the API
  });

  it('triggers apply (workflow by name) and events publish --payload @file: the trigger starts an instance', async () => {
    const trigger = file(
      'trigger.yaml',
      'name: cli-orders\nevent: order.placed\nworkflow: cli-noop\nfilter: event.amount > 10\nvars:\n  order: event.id\n',
    );
    const created = await run('--json', 'triggers', 'apply', '-f', trigger);
    expect(created.code).toBe(0);
    expect(created.json()).toMatchObject({ name: 'cli-orders', action: 'created' });
    expect((await run('--json', 'triggers', 'apply', '-f', trigger)).json()).toMatchObject({ id: created.json().id, action: 'unchanged' });
    expect((await run('triggers', 'list')).stdout).toContain('cli-orders');

    const before = (await run('--json', 'instances', 'list', '--workflow', 'cli-noop')).json().length as number;
    const payload = file('order.json', JSON.stringify({ id: 'order-1', amount: 42 }));
    const published = await run('--json', 'events', 'publish', 'order.placed', '--payload', `@${payload}`);
    expect(published.code).toBe(0);
    expect(published.json()).toMatchObject({ id: expect.any(String), duplicate: false, type: 'order.placed' });
    await eventually(async () => (await run('--json', 'instances', 'list', '--workflow', 'cli-noop')).json().length === before + 1, {
      what: 'the instance the trigger started',
    });
    const small = await run('events', 'publish', 'order.placed', '--payload', '{"id":"order-2","amount":1}');
    expect(small.stdout).toMatch(/^event .* published \(order\.placed\)/);
  });

  it('exit codes: 3 not found, 2 usage, 5 gateway unreachable', async () => {
    const missing = await run('instances', 'get', '00000000-0000-4000-8000-000000000000');
    expect(missing.code).toBe(3);
    expect((await run('run', 'no-such-workflow')).code).toBe(3);
    expect((await run('run', 'cli-noop', '--var', 'novalue')).code).toBe(2);
    expect((await run('workflows', 'apply', '-f', join(dir, 'absent.yaml'))).code).toBe(2);
    expect((await run('instances', 'frobnicate')).code).toBe(2);
    const down = await wfp(['workflows', 'list'], { ...env, WFP_URL: `http://127.0.0.1:${await freePort()}` });
    expect(down.code).toBe(5);
    expect(down.stderr).toContain('does not answer');
  });

  it('runs from the repository through its bin entry (what npx wfp runs)', async () => {
    const res = await wfp(['--json', 'workflows', 'list'], { ...env, WFP_SKIP_BUILD: '1' }, { entry: CLI_BIN });
    expect(res.code).toBe(0);
    expect(Array.isArray(res.json())).toBe(true);
  });
});
