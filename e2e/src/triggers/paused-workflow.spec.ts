import { eventually, PlatformUnderTest } from '@wfp/testing';

/**
 * A trigger whose workflow is paused (issue 23): in `drop` mode each matching event is a
 * `skipped` occurrence with reason `paused` (recorded once, never retried); in `queue` mode the
 * instances are created and run when the workflow is resumed.
 */
describe('triggers and a paused workflow (drop and queue)', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ label: 'paused_trg', services: ['orchestrator', 'triggers', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function http(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }
  const publish = (type: string, n: number) => http('POST', '/api/events', { app: 'shop', version: 'v1', type, payload: { n } });
  type Occurrence = { outcome?: string; reason?: string; workflowInstanceID?: string; error?: string };
  const occurrences = async (trigger: string) => ((await http('GET', `/api/orchestration/triggers/${trigger}/occurrences`)).data as Occurrence[]);

  it('drop: skipped(paused) occurrences, once each; queue: instances that run on resume', async () => {
    const workflow = ((await http('POST', '/api/orchestration/workflows', { stages: [{ noop: {} }] })).data as { id: string }).id;
    const trigger = ((await http('POST', '/api/orchestration/triggers', { name: 'orders', event: 'order.placed', workflowID: workflow })).data as { id: string }).id;

    await http('PUT', `/api/orchestration/v2/workflows/${workflow}/pause`, { mode: 'drop' });
    for (let i = 0; i < 3; i++) await publish('order.placed', i);
    const dropped = await eventually(async () => {
      const found = await occurrences(trigger);
      return found.length === 3 ? found : undefined;
    }, { what: 'three occurrences' });
    expect(dropped.map((o) => [o.outcome, o.reason, o.workflowInstanceID])).toEqual([
      ['skipped', 'paused', undefined], ['skipped', 'paused', undefined], ['skipped', 'paused', undefined],
    ]);

    await http('PUT', `/api/orchestration/v2/workflows/${workflow}/pause`, { mode: 'queue' });
    for (let i = 3; i < 5; i++) await publish('order.placed', i);
    const queued = await eventually(async () => {
      const found = (await occurrences(trigger)).filter((o) => o.workflowInstanceID);
      return found.length === 2 ? found : undefined;
    }, { what: 'two started occurrences' });
    for (const o of queued) {
      expect(((await http('GET', `/api/orchestration/instances/${o.workflowInstanceID}`)).data as { terminated: boolean }).terminated).toBe(false);
    }
    expect((await http('PUT', `/api/orchestration/v2/workflows/${workflow}/resume`)).data).toEqual({ released: 2 });
    for (const o of queued) {
      await eventually(async () => ((await http('GET', `/api/orchestration/instances/${o.workflowInstanceID}`)).data as { terminated: boolean }).terminated, { what: 'released' });
    }
    // The skipped ones stay skipped: exactly once, never retried.
    expect((await occurrences(trigger)).filter((o) => o.outcome === 'skipped')).toHaveLength(3);
  });
});
