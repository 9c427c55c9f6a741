import type { BrowserContext, Page, Response } from 'playwright-core';
import { PlatformUnderTest } from '@wfp/testing';
import { launchBrowser } from './browser';

/**
 * The console on a phone-sized screen (390 px wide) and its icon: every page fits the width (no
 * horizontal scrolling of the page; wide tables scroll inside their own frame), and no request
 * of a page load fails (no 404 for /favicon.ico or an asset).
 */
jest.setTimeout(120_000);
const WIDTH = 390;

describe('console at 390 px wide (browser)', () => {
  let platform: PlatformUnderTest;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  const failed: string[] = [];
  let workflowId: string;
  let instanceId: string;
  let triggerId: string;
  let scheduleId: string;

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
    [platform, browser] = await Promise.all([
      PlatformUnderTest.start({ label: 'narrow', env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } }),
      launchBrowser({ viewport: { width: WIDTH, height: 844 } }),
    ]);
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(30_000);
    page.on('response', (res: Response) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${new URL(res.url()).pathname}`);
    });
    workflowId = (
      await api<{ id: string }>('/workflows', {
        name: 'a-workflow-with-a-rather-long-name-that-must-wrap-on-a-phone',
        stages: [{ delay: { duration: '10ms' } }, { wait_event: { event: 'approved-by-a-supervisor-on-duty' } }],
      })
    ).id;
    instanceId = (await api<{ id: string }>(`/workflows/${workflowId}/instances`, { intervention_id: '65a1000000000000000000aa' })).id;
    triggerId = (
      await api<{ id: string }>('/triggers', {
        name: 'narrow-trigger',
        event: 'intervention.opened',
        workflowID: workflowId,
        filter: 'event.source_id == "5f0000000000000000000001" && event.id != "a-rather-long-literal-in-the-filter"',
        vars: { intervention: 'event.id' },
      })
    ).id;
    scheduleId = (
      await api<{ id: string }>('/v2/schedules', {
        name: 'narrow-schedule-with-a-rather-long-name-that-must-wrap-on-a-phone',
        spec: { cron: '30 2 * * *', timezone: 'Europe/Paris' },
        action: { workflowID: workflowId },
        overlap: 'buffer_all',
      })
    ).id;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });

  /** How far the page is wider than the screen (0: it fits). */
  const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

  const pages = () => [
    ['/workflows', 'a-workflow-with-a-rather-long-name'],
    ['/instances', 'Instances'],
    [`/instances/${instanceId}`, 'wait_event'],
    ['/triggers', 'narrow-trigger'],
    [`/triggers/${triggerId}`, 'narrow-trigger'],
    ['/schedules', 'narrow-schedule'],
    [`/schedules/${scheduleId}`, 'Next fire times'],
    ['/events', 'Events'],
    ['/records', 'Solvimon'],
    ['/interventions', 'Interventions'],
  ];

  /** Lists poll and the events page streams: wait for the page's content, then two frames of layout. */
  const settled = async (text: string) => {
    await page.getByText(text).first().waitFor();
    await page.locator('.loading').waitFor({ state: 'detached' });
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
  };

  it('measures overflow: a wider element is caught', async () => {
    await page.goto(`${platform.url}/console/workflows`);
    await settled('a-workflow-with-a-rather-long-name');
    expect(await overflow()).toBe(0);
    await page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<div style="width:600px">x</div>')`);
    expect(await overflow()).toBeGreaterThan(0);
  });

  it('fits every page in 390 px: no horizontal overflow', async () => {
    const wide: string[] = [];
    const check = async (what: string) => {
      const extra = await overflow();
      if (extra > 0) wide.push(`${what}: ${extra}px wider than the screen`);
    };
    for (const [path, text] of pages()) {
      await page.goto(`${platform.url}/console${path}`);
      await settled(text);
      await check(path);
    }
    // The workflow editor, and the events page with an event in its live tail.
    await page.goto(`${platform.url}/console/workflows`);
    await settled('a-workflow-with-a-rather-long-name');
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.getByLabel('Workflow definition (YAML or JSON)').waitFor();
    await check('/workflows (editor open)');
    await page.goto(`${platform.url}/console/events`);
    await settled('Events');
    const published = await fetch(`${platform.url}/api/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ app: 'crm', version: 'v1', type: 'intervention.opened', payload: { id: 'crm-narrow-with-a-long-identifier-0123456789', source_id: '5f0000000000000000000001' } }),
    });
    expect(published.status).toBeLessThan(300);
    await page.getByText('crm-narrow-with-a-long-identifier').first().waitFor();
    await check('/events (with an event)');
    expect(wide).toEqual([]);
  });

  it('loads every page without a failed request: the favicon is served', async () => {
    expect(failed).toEqual([]);
    const icon = await fetch(`${platform.url}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/x-icon');
    const linked = await page.evaluate<string[]>(`[...document.querySelectorAll('link[rel=icon]')].map((l) => l.href)`);
    expect(linked.length).toBeGreaterThan(0);
    for (const href of linked) expect((await fetch(href)).status).toBe(200);
  });
});
