import type { BrowserContext, Locator, Page } from 'playwright-core';
import { existsSync } from 'node:fs';
import { eventually, PlatformUnderTest } from '@wfp/testing';
import { CHROMIUM, launchBrowser } from './browser';

/**
 * The console's recovery views in a real browser against the real platform: the Instances page
 * searches by metadata and status (the v2 search), and the Bulk actions page shows a job's
 * progress and aborts it; the Replays page dry-runs and runs a replay of past events through a
 * trigger created after them.
 */
jest.setTimeout(120_000);
const WAIT_MS = 30_000;

describe('console recovery views (browser)', () => {
  let platform: PlatformUnderTest;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${platform.url}/api/orchestration${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? (undefined as T) : ((await res.json()) as { data: T }).data;
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    [platform, browser] = await Promise.all([
      PlatformUnderTest.start({ label: 'console_recovery', services: ['orchestrator', 'triggers', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } }),
      launchBrowser(),
    ]);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(WAIT_MS);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('searches instances by metadata and status; shows a bulk job progressing and aborts it', async () => {
    const workflowID = (await api<{ id: string }>('POST', '/v2/workflows', { name: 'waits', stages: [{ wait_event: { event: 'never' } }] })).id;
    const start = (tenant: string) => api<{ id: string }>('POST', `/v2/workflows/${workflowID}/instances?metadata[tenant]=${tenant}`, {});
    const acme = await Promise.all(Array.from({ length: 20 }, () => start('acme')));
    const other = await Promise.all(Array.from({ length: 2 }, () => start('other')));
    const canceled = await start('acme');
    await api('PUT', `/v2/instances/${canceled.id}/abort`);

    const ids = async () => page.locator('[data-testid=instances] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance-id')));
    const showsExactly = async (expected: string[]) =>
      eventually(async () => JSON.stringify((await ids()).sort()) === JSON.stringify([...expected].sort()), { timeoutMs: WAIT_MS, what: `${expected.length} instances listed` });

    await page.goto(`${platform.url}/console/instances`);
    await page.getByLabel('Metadata').fill('tenant=other');
    await page.getByLabel('Metadata').press('Enter');
    await page.waitForURL(/metadata=tenant%3Dother/);
    await showsExactly(other.map((i) => i.id));
    await page.goto(`${platform.url}/console/instances?metadata=tenant%3Dacme&status=running`);
    await showsExactly(acme.map((i) => i.id));
    await page.getByLabel('Status').selectOption('canceled');
    await showsExactly([canceled.id]);

    // A cancel of the 20 running acme instances at 1 a second: running for ~20 s, then aborted from the page.
    const job = await api<{ id: string }>('POST', '/v2/bulk-actions', {
      action: { type: 'cancel' },
      selection: { filter: { metadata: { tenant: 'acme' }, status: 'running' } },
      maxPerSecond: 1,
    });
    await page.getByRole('link', { name: 'Bulk actions' }).click();
    await page.waitForURL(/\/console\/bulk-actions$/);
    const row = page.locator(`[data-testid=bulk-actions] tbody tr[data-bulk-id="${job.id}"]`);
    await expectText(row.getByTestId('bulk-status'), /^running$/);
    await expectText(row.getByTestId('bulk-progress'), /\/ 20/);
    await row.getByRole('button', { name: 'Abort' }).click();
    await expectText(row.getByTestId('bulk-status'), /^aborted$/);
    const after = await api<{ status: string; done: number; total: number }>('GET', `/v2/bulk-actions/${job.id}`);
    expect(after).toMatchObject({ status: 'aborted', total: 20 });
    expect(after.done).toBeLessThan(20);
    expect(await row.getByRole('button', { name: 'Abort' }).count()).toBe(0);
  });
  it('replays past events through a trigger created after them: a dry run shows the matches, a run starts them', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    for (let n = 0; n < 5; n++) {
      const res = await fetch(`${platform.url}/api/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ app: 'shop', version: 'v1', type: 'shop.order', payload: { n } }),
      });
      expect(res.status).toBeLessThan(300);
    }
    const workflowID = (await api<{ id: string }>('POST', '/v2/workflows', { name: 'orders', stages: [{ noop: {} }] })).id;
    await api('POST', '/triggers', { name: 'orders', event: 'shop.order', workflowID });

    await page.goto(`${platform.url}/console/triggers`);
    await page.getByRole('link', { name: 'Replays', exact: true }).click();
    await page.waitForURL(/\/console\/replays$/);
    await page.getByLabel('From').fill(from);
    await page.getByRole('button', { name: 'Replay through every trigger' }).click();
    await expectText(page.getByTestId('dry-run-result'), /Dry run: 5 matches/);
    const instances = await api<unknown[]>('GET', `/instances?workflowID=${workflowID}`);
    expect(instances).toHaveLength(0);

    await page.getByLabel('Dry run').uncheck();
    await page.getByRole('button', { name: 'Replay through every trigger' }).click();
    const run = page.locator('[data-testid=replays] tbody tr', { hasNotText: 'dry run' }).first();
    await page.getByRole('button', { name: 'Refresh' }).click();
    await eventually(
      async () => {
        await page.getByRole('button', { name: 'Refresh' }).click();
        return /^succeeded$/.test((await run.getByTestId('replay-status').textContent()) ?? '');
      },
      { timeoutMs: WAIT_MS, what: 'the replay succeeded' },
    );
    await expectText(run.getByTestId('replay-counts'), /^5 \/ 0 \/ 5$/);
    await eventually(async () => (await api<unknown[]>('GET', `/instances?workflowID=${workflowID}`)).length === 5, { timeoutMs: WAIT_MS, what: '5 instances' });
  });
});

async function expectText(locator: Locator, pattern: RegExp, timeoutMs = WAIT_MS): Promise<void> {
  await eventually(async () => pattern.test((await locator.textContent()) ?? ''), { timeoutMs, what: `text ${pattern}` }).catch(async (error: Error) => {
    throw new Error(`${error.message}; got: ${await locator.textContent().catch(() => '(none)')}`);
  });
}
