import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { eventually, PlatformUnderTest } from '@wfp/testing';
import { CHROMIUM, launchBrowser } from './browser';

/**
 * The console's schedules pages in a real browser against the real platform: the list shows
 * each schedule's status, pause note and next fire time; a schedule's page shows its next fire
 * times and its recent actions, scheduled vs actual, linked to their instances.
 */
const IMAGES = join(__dirname, '..', '..', '..', 'docs', 'images');
jest.setTimeout(120_000);
const WAIT_MS = 30_000;

describe('console schedules (browser)', () => {
  let platform: PlatformUnderTest;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;

  const api = async <T>(path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${platform.url}/api/orchestration${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { data: T }).data;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    mkdirSync(IMAGES, { recursive: true });
    [platform, browser] = await Promise.all([
      PlatformUnderTest.start({
        label: 'console_sched',
        services: ['orchestrator', 'triggers', 'gateway'],
        env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50', SCHEDULES_POLL_INTERVAL_MS: '100' },
      }),
      launchBrowser(),
    ]);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(WAIT_MS);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('lists schedules with status and next fire time; a schedule shows next fire times and recent actions scheduled vs actual', async () => {
    const workflowID = (await api<{ id: string }>('/v2/workflows', { name: 'nightly', stages: [{ noop: {} }] })).id;
    const nightly = await api<{ id: string }>('/v2/schedules', {
      name: 'nightly-report',
      spec: { cron: '30 2 * * *', timezone: 'Europe/Paris' },
      action: { workflowID },
    });
    await api('/v2/schedules', { name: 'held', spec: { interval: '1h' }, action: { publish: {} }, paused: true, note: 'owned by the data team' });
    // Three past nights, backfilled: recent actions with an instance each.
    expect(await api(`/v2/schedules/${nightly.id}/backfill`, { from: '2026-01-01T00:00:00Z', to: '2026-01-04T00:00:00Z' })).toEqual({ ticks: 3, added: 3 });
    await eventually(
      async () =>
        (await api<{ recentActions: Array<{ status: string }> }>(`/v2/schedules/${nightly.id}/describe`)).recentActions.filter((a) => a.status === 'completed')
          .length === 3,
      { timeoutMs: WAIT_MS, what: 'three completed backfilled ticks' },
    );

    await page.goto(`${platform.url}/console/schedules`);
    const row = (name: string) => page.locator('[data-testid=schedules] tbody tr', { hasText: name });
    await row('nightly-report').waitFor();
    await expectText(row('nightly-report').getByTestId('schedule-status'), /^active$/);
    await expectText(row('nightly-report'), /cron 30 2 \* \* \* \(Europe\/Paris\)/);
    expect(await row('nightly-report').locator('[data-testid=schedule-next] time').getAttribute('datetime')).toMatch(/T01:30:00\.000Z$/); // 02:30 Paris (CET)
    await expectText(row('held').getByTestId('schedule-status'), /^paused$/);
    await expectText(row('held'), /owned by the data team/);
    await expectText(row('held').getByTestId('schedule-next'), /paused/);
    await shot('console-schedules.png');

    await row('nightly-report').getByRole('link', { name: 'nightly-report' }).click();
    await page.waitForURL(/\/console\/schedules\/[0-9a-f-]{36}$/);
    const next = page.locator('[data-testid=next-fire-times] time');
    await eventually(async () => (await next.count()) === 10, { timeoutMs: WAIT_MS, what: 'ten next fire times' });
    const actions = page.locator('[data-testid=schedule-actions] tbody tr');
    expect(await actions.count()).toBe(3);
    const first = actions.first(); // newest first: the night of 3 January
    expect(await first.locator('td').nth(0).locator('time').getAttribute('datetime')).toBe('2026-01-03T01:30:00.000Z');
    expect(await first.locator('td').nth(1).locator('time').getAttribute('datetime')).toMatch(/^\d{4}-/); // actual time
    await expectText(first, /backfill/);
    await expectText(first, /completed \(succeeded\)/);
    await first.getByRole('link').click();
    await page.waitForURL(/\/console\/instances\/[0-9a-f-]{36}$/);
    await page.goBack();
    await page.locator('[data-testid=schedule-actions]').waitFor();
    await shot('console-schedule-describe.png');
  });

  const shot = (name: string) => page.screenshot({ path: join(IMAGES, name), fullPage: false });
});

async function expectText(locator: Locator, pattern: RegExp, timeoutMs = WAIT_MS): Promise<void> {
  await eventually(async () => pattern.test((await locator.textContent()) ?? ''), { timeoutMs, what: `text ${pattern}` }).catch(async (error: Error) => {
    throw new Error(`${error.message}; got: ${await locator.textContent().catch(() => '(none)')}`);
  });
}
