import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, NatsConnection } from 'nats';
import type { BrowserContext, Page } from 'playwright-core';
import { eventsStreamName } from '@wfp/contracts';
import { eventually, PlatformUnderTest, testNatsUrl } from '@wfp/testing';
import { CHROMIUM, launchBrowser } from './browser';

/**
 * The console in a real browser (headless Debian chromium through playwright-core) against the
 * whole platform built in dist/: workflows from the editor, live stage timelines, triggers fired
 * by a published event, the bus-event stream and its ephemeral consumers, and Formance auth.
 * Screenshots go to docs/images/ (shown in the README).
 */
const IMAGES = join(__dirname, '..', '..', '..', 'docs', 'images');
// Generous bounds for a loaded machine: every wait below is on a condition, never a fixed sleep.
jest.setTimeout(120_000);
const WAIT_MS = 30_000;

describe('console (browser)', () => {
  let platform: PlatformUnderTest;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  let nc: NatsConnection;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    mkdirSync(IMAGES, { recursive: true });
    [platform, browser, nc] = await Promise.all([
      PlatformUnderTest.start({ label: 'console', services: ['orchestrator', 'triggers', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } }),
      launchBrowser(),
      connect({ servers: testNatsUrl() }),
    ]);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(WAIT_MS);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await nc?.close();
    await platform?.stop();
  });

  const open = (path: string) => page.goto(`${platform.url}/console${path}`);
  const shot = (name: string) => page.screenshot({ path: join(IMAGES, name), fullPage: false });
  const consoleConsumers = async () => {
    const jsm = await nc.jetstreamManager();
    const list = await jsm.consumers.list(eventsStreamName(platform.namespace)).next();
    return list.filter((c) => c.name.startsWith('console_')).length;
  };

  it('shows a bad YAML error at its line, and an unknown stage kind at its stage', async () => {
    await open('/workflows');
    await page.getByText('No workflows yet.').waitFor();
    await page.getByRole('button', { name: 'New workflow' }).click();
    const editor = page.getByLabel('Workflow definition (YAML or JSON)');
    await editor.fill('name: broken\nstages:\n  - delay:\n      duration: 1s\n   - wait_event: {event: approved}\n');
    await page.getByRole('button', { name: 'Create workflow' }).click();
    const error = page.getByTestId('editor-error');
    await expectText(error, /Line 5: .*unmarshalling yaml/);
    expect(await error.getAttribute('data-line')).toBe('5');
    expect(await page.locator('.gutter .error-line').textContent()).toBe('5');
    await shot('console-workflow-yaml-error.png');

    await editor.fill('name: unknown-kind\nstages:\n  - delay:\n      duration: 1s\n  - teleport:\n      to: mars\n');
    await page.getByRole('button', { name: 'Create workflow' }).click();
    await expectText(error, /Line 5: .*stage 1: unable to resolve schema teleport/);
  });

  it('runs a delay + wait_event workflow: the timeline moves to waiting, the event makes it succeed', async () => {
    await open('/workflows');
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page
      .getByLabel('Workflow definition (YAML or JSON)')
      .fill('name: wait-for-approval\nstages:\n  - delay:\n      duration: 1500ms\n  - wait_event:\n      event: approved\n');
    await page.getByRole('button', { name: 'Create workflow' }).click();
    const row = page.locator('[data-testid=workflows] tbody tr', { hasText: 'wait-for-approval' });
    await row.waitFor();
    await shot('console-workflows.png');

    await row.getByRole('button', { name: 'Run' }).click();
    await page.getByLabel('Variables name 1').fill('customer');
    await page.getByLabel('Variables value 1').fill('c-42');
    await page.getByRole('button', { name: 'Start instance' }).click();
    await page.waitForURL(/\/console\/instances\/[0-9a-f-]{36}$/);

    const stage0 = page.getByTestId('stage-0');
    const stage1 = page.getByTestId('stage-1');
    await expectAttribute(stage0, 'data-state', 'succeeded');
    await expectAttribute(stage1, 'data-state', 'waiting');
    await expectText(stage1, /event “approved”/);
    await expectText(stage1, /\(\d+(\.\d)? s\)/); // the waiting bar has grown for a second
    await expectText(page.getByTestId('instance-state'), /running/);
    await expectText(page.getByTestId('stream-state'), /live/);
    await shot('console-instance-waiting.png');

    // Local time shown, UTC on hover.
    expect(await stage0.locator('time').first().getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);

    await page.getByRole('button', { name: 'Send event' }).click(); // the waiting stage's event name is the default
    await expectAttribute(stage1, 'data-state', 'succeeded');
    await expectText(page.getByTestId('instance-state'), /succeeded/);
    await shot('console-instance-succeeded.png');

    // 390 px wide: nothing overflows the page horizontally.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('console-instance-mobile.png');
    await page.setViewportSize({ width: 1280, height: 800 });

    await open('/instances?state=finished');
    await page.locator('[data-testid=instances] tbody tr', { hasText: 'wait-for-approval' }).waitFor();
    await shot('console-instances.png');
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
  });

  it('aborts a waiting instance from its page', async () => {
    const workflows = (await (await fetch(`${platform.url}/api/orchestration/workflows`)).json()) as { data: Array<{ id: string; config: { name?: string } }> };
    const workflow = workflows.data.find((w) => w.config.name === 'wait-for-approval')!;
    const instance = await post(`/api/orchestration/workflows/${workflow.id}/instances`, {});
    await open(`/instances/${instance.data.id}`);
    await expectAttribute(page.getByTestId('stage-1'), 'data-state', 'waiting');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Abort instance' }).click();
    await expectText(page.getByTestId('instance-state'), /failed/);
    await expectAttribute(page.getByTestId('stage-0'), 'data-state', 'succeeded');
    await expectAttribute(page.getByTestId('stage-1'), 'data-state', 'failed');
  });

  it('a trigger fired by a published event shows its occurrence, linked to the instance', async () => {
    const workflow = await post('/api/orchestration/workflows', { name: 'on-order', stages: [{ noop: {} }] });
    await open('/triggers');
    await page.getByText('No triggers yet.').waitFor();
    await page.getByRole('button', { name: 'New trigger' }).click();
    await page.getByLabel('Name (optional)').fill('Big orders');
    await page.getByLabel('Event type').fill('order.placed');
    await page.getByLabel('Workflow').selectOption(workflow.data.id);
    await page.getByLabel(/CEL filter/).fill('event.amount > 100');
    await page.getByRole('button', { name: '+ Add var' }).click();
    await page.getByLabel('Vars name 1').fill('customer');
    await page.getByLabel('Vars value 1').fill('event.customer');
    await page.getByRole('button', { name: 'Create trigger' }).click();
    await page.waitForURL(/\/console\/triggers\/[^/]+$/);
    await page.getByText('No occurrences yet.').waitFor();

    // "Try it": the triggers service's evaluator, through POST /api/orchestration/v2/triggers/{id}/test.
    const payload = page.getByLabel('Event payload (JSON)');
    await payload.fill('{"amount": 50, "customer": "c-7"}');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await expectText(page.getByTestId('try-result'), /Filter: does not match/);
    await payload.fill('{"amount": 150, "customer": "c-7"}');
    await page.getByRole('button', { name: 'Evaluate' }).click();
    await expectText(page.getByTestId('try-result'), /Filter: matches.*customer = "c-7"/s);
    await shot('console-trigger-try-it.png');
    await page.getByText('No occurrences yet.').waitFor(); // trying started nothing

    // Publish from the Events page; the tail shows it.
    await open('/events');
    await expectText(page.getByTestId('stream-state'), /live/);
    await page.getByText('Publish a test event').click();
    await page.getByLabel('Type', { exact: true }).fill('order.placed');
    await page.getByLabel('Payload (JSON object)').fill('{"amount": 150, "customer": "c-7"}');
    await page.getByRole('button', { name: 'Publish' }).click();
    await expectText(page.getByTestId('published'), /Published/);
    await page.locator('[data-testid=events] tbody tr', { hasText: 'order.placed' }).waitFor();
    await page.locator('[data-testid=events] tbody tr', { hasText: 'SUCCEEDED_TRIGGER' }).waitFor();
    await shot('console-events.png');

    await page.goBack();
    await page.getByRole('link', { name: 'Triggers' }).click();
    await page.getByRole('link', { name: 'Big orders' }).click();
    const link = page.getByTestId('occurrence-instance').first();
    await link.waitFor();
    await shot('console-trigger-occurrences.png');
    await link.click();
    await page.waitForURL(/\/console\/instances\/[0-9a-f-]{36}$/);
    await expectText(page.getByTestId('instance-state'), /succeeded/);
    await expectText(page.locator('.facts'), /on-order/);
  });

  it('is usable from the keyboard: skip link, then the section links', async () => {
    await open('/workflows');
    await page.getByRole('heading', { name: 'Workflows' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement?.textContent')).toBe('Workflows');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/console\/instances$/);
    await page.getByRole('heading', { name: 'Instances' }).waitFor();
  });

  it('deletes the ephemeral consumer of an event stream when the client goes away', async () => {
    await open('/workflows'); // no page holds a stream
    await eventually(async () => (await consoleConsumers()) === 0, { what: 'no console consumer', timeoutMs: WAIT_MS });
    const abort = new AbortController();
    const res = await fetch(`${platform.url}/console/api/events/stream?category=billing`, { signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await eventually(async () => (await consoleConsumers()) === 1, { what: 'one console consumer' });
    abort.abort();
    await eventually(async () => (await consoleConsumers()) === 0, { what: 'the consumer deleted', timeoutMs: WAIT_MS });
    const bad = await fetch(`${platform.url}/console/api/events/stream?category=nope`);
    expect(bad.status).toBe(400);

    // Static serving: client routes get the page, a missing asset is a 404, index.html is not cached.
    const deepLink = await fetch(`${platform.url}/console/instances/some-id`);
    expect(deepLink.status).toBe(200);
    expect(deepLink.headers.get('cache-control')).toBe('no-cache');
    expect(await deepLink.text()).toContain('<div id="root">');
    expect((await fetch(`${platform.url}/console/assets/missing.js`)).status).toBe(404);
    expect((await fetch(`${platform.url}/console/api/nothing`)).status).toBe(404);
  });

  it('with Formance auth on: the console asks for client credentials; the stream needs the token (never logged)', async () => {
    await platform.stopService('gateway');
    await platform.startService('gateway', {
      FORMANCE_AUTH_CLIENTS: 'console-user:console-secret-1',
      FORMANCE_AUTH_SIGNING_SECRET: 's'.repeat(40),
    });
    expect((await fetch(`${platform.url}/console/api/events/stream`)).status).toBe(401);
    const token = (
      (await (
        await fetch(`${platform.url}/api/auth/oauth/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ grant_type: 'client_credentials', client_id: 'console-user', client_secret: 'console-secret-1' }),
        })
      ).json()) as { access_token: string }
    ).access_token;
    const abort = new AbortController();
    const res = await fetch(`${platform.url}/console/api/events/stream?access_token=${token}`, { signal: abort.signal });
    expect(res.status).toBe(200);
    abort.abort();

    await open('/workflows');
    await page.getByLabel('Client id').fill('console-user');
    await page.getByLabel('Client secret').fill('console-secret-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-testid=workflows] tbody tr', { hasText: 'wait-for-approval' }).waitFor();
    await open('/events'); // a reload forgets the token (memory only)
    await page.getByLabel('Client id').waitFor();
    await shot('console-login.png');

    const logs = JSON.stringify(platform.logLines('gateway'));
    expect(logs).not.toContain(token);
    expect(logs).not.toContain('console-secret-1');
  });

  async function post(path: string, body: unknown): Promise<{ data: { id: string } }> {
    const res = await fetch(`${platform.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { data: { id: string } };
  }
});

async function expectText(locator: import('playwright-core').Locator, pattern: RegExp, timeoutMs = WAIT_MS): Promise<void> {
  await eventually(async () => pattern.test((await locator.textContent()) ?? ''), { timeoutMs, what: `text ${pattern}` }).catch(async (error: Error) => {
    throw new Error(`${error.message}; got: ${await locator.textContent().catch(() => '(none)')}`);
  });
}

async function expectAttribute(locator: import('playwright-core').Locator, name: string, value: string, timeoutMs = WAIT_MS): Promise<void> {
  await eventually(async () => (await locator.getAttribute(name)) === value, { timeoutMs, what: `${name}=${value}` }).catch(async (error: Error) => {
    throw new Error(`${error.message}; got: ${await locator.getAttribute(name).catch(() => '(none)')}`);
  });
}
