import { join } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { eventually, PlatformUnderTest } from '@wfp/testing';
import { launchBrowser } from './browser';

/**
 * The trigger page's flow control in a real browser against the built platform: the policy as
 * a definition list per rule, the running/queued starts per key (GET /v2/triggers/{id}/flow),
 * each occurrence's decision, and the counts moving when a queued start is admitted.
 */
jest.setTimeout(120_000);
const WAIT_MS = 30_000;
const IMAGES = join(__dirname, '..', '..', '..', 'docs', 'images');

describe('console: trigger flow control (browser)', () => {
  let platform: PlatformUnderTest;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return (text ? (JSON.parse(text) as { data: T }).data : undefined) as T;
  };

  beforeAll(async () => {
    [platform, browser] = await Promise.all([
      PlatformUnderTest.start({ label: 'console_flow', services: ['orchestrator', 'triggers', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } }),
      launchBrowser(),
    ]);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(WAIT_MS);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  it('shows the policy, A running 1 / queued 1, the decisions; an event to the running instance admits the queued one', async () => {
    const workflow = await call<{ id: string }>('POST', '/api/orchestration/workflows', { name: 'per-tenant', stages: [{ wait_event: { event: 'go' } }] });
    const trigger = await call<{ id: string }>('POST', '/api/orchestration/triggers', {
      name: 'one per tenant',
      event: 'order.placed',
      workflowID: workflow.id,
      policy: { concurrency: [{ key: 'event.tenant', limit: 1 }] },
    });
    for (const n of [1, 2]) await call('POST', '/api/events', { app: 'shop', version: 'v1', type: 'order.placed', payload: { tenant: 'A', n } });
    await eventually(async () => (await call<Array<{ outcome?: string }>>('GET', `/api/orchestration/triggers/${trigger.id}/occurrences`)).length === 2, {
      what: 'two occurrences',
      timeoutMs: WAIT_MS,
    });

    await page.goto(`${platform.url}/console/triggers/${trigger.id}`);
    const panel = page.getByTestId('flow-control');
    await expectText(panel.getByTestId('flow-rule'), /concurrency #1.*key.*event\.tenant.*limit.*1.*hold.*running.*when full.*queue/s);
    const row = page.locator('[data-testid=flow-state] tbody tr[data-flow-key=A]');
    await expectText(row, /concurrency #1\s*A\s*1\s*1/);
    const decisions = page.getByTestId('occurrence-decision');
    await eventually(async () => (await decisions.allTextContents()).sort().join(',') === 'queued (concurrency),started', {
      what: 'one started, one queued (concurrency)',
      timeoutMs: WAIT_MS,
    });
    await page.screenshot({ path: join(IMAGES, 'console-trigger-flow-control.png'), fullPage: false });

    // The running instance gets its event and ends: the slot frees, the queued start is admitted (live).
    const occurrences = await call<Array<{ workflowInstanceID?: string }>>('GET', `/api/orchestration/triggers/${trigger.id}/occurrences`);
    const instanceId = occurrences.find((o) => o.workflowInstanceID)!.workflowInstanceID!;
    await call('POST', `/api/orchestration/instances/${instanceId}/events`, { name: 'go' });
    await expectText(row, /concurrency #1\s*A\s*1\s*0/);
    await eventually(async () => (await decisions.allTextContents()).filter((t) => t.startsWith('started')).length === 2, {
      what: 'both started',
      timeoutMs: WAIT_MS,
    });
  });
});

async function expectText(locator: Locator, pattern: RegExp, timeoutMs = WAIT_MS): Promise<void> {
  await eventually(async () => pattern.test((await locator.textContent()) ?? ''), { timeoutMs, what: `text ${pattern}` }).catch(async (error: Error) => {
    throw new Error(`${error.message}; got: ${await locator.textContent().catch(() => '(none)')}`);
  });
}
