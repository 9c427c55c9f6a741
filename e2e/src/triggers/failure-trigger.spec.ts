import { eventually, PlatformUnderTest } from '@wfp/testing';

/**
 * A failure trigger (issue 22): the orchestrator's `FAILED_WORKFLOW` lifecycle event carries the
 * workflow, the instance and its metadata, so a trigger on it with a filter starts a compensation
 * workflow — exactly once per failure, here 1,000 failures (and none for the filtered-out tenant).
 */
describe('failure trigger: FAILED_WORKFLOW → one compensation instance per failure', () => {
  let platform: PlatformUnderTest;
  const N = 1000;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ label: 'failure_trg', services: ['orchestrator', 'triggers', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function http(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await fetch(`${platform.url}/api/orchestration${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }
  const idOf = (body: Record<string, unknown>) => (body.data as { id: string }).id;

  it(`starts exactly one compensation per failed instance (${N} failures)`, async () => {
    // Fails at once: `${d}` is not set, so the delay has neither a duration nor an until.
    const fragile = idOf(await http('POST', '/v2/workflows', { name: 'fragile', stages: [{ delay: { duration: '${d}' } }] }));
    const compensate = idOf(await http('POST', '/v2/workflows', { name: 'compensate', stages: [{ noop: {} }] }));
    const trigger = idOf(
      await http('POST', '/v2/triggers', {
        name: 'compensate-failures', event: 'FAILED_WORKFLOW', workflowID: compensate,
        filter: `event.id == "${fragile}" && event.metadata.tenant == "acme"`,
        vars: { failed: 'event.instanceID', error: 'event.error' },
      }),
    );
    const failed: string[] = [];
    for (let offset = 0; offset < N; offset += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, N - offset) }, () => http('POST', `/v2/workflows/${fragile}/instances?metadata[tenant]=acme`, {})),
      );
      for (const started of batch) {
        expect((started.data as { error?: string }).error).toBe('delay: exactly one of duration or until is required');
        failed.push(idOf(started));
      }
    }
    // Another tenant's failures do not match the filter.
    for (let i = 0; i < 20; i++) await http('POST', `/v2/workflows/${fragile}/instances?metadata[tenant]=globex`, {});

    const occurrences = async () => {
      const all: Array<{ event: { payload: { instanceID: string; metadata?: Record<string, string> } }; workflowInstanceID?: string; error?: string }> = [];
      let cursor: string | undefined;
      do {
        const page = (await http('GET', `/v2/triggers/${trigger}/occurrences?${cursor ? `cursor=${encodeURIComponent(cursor)}` : 'pageSize=1000'}`)).cursor as {
          data: typeof all; next?: string;
        };
        all.push(...page.data);
        cursor = page.next;
      } while (cursor);
      return all;
    };
    const all = await eventually(async () => {
      const found = await occurrences();
      return found.length >= N ? found : undefined;
    }, { what: `${N} occurrences`, timeoutMs: 120_000, intervalMs: 1000 });
    expect(all).toHaveLength(N);
    expect(all.every((o) => o.error === undefined && o.workflowInstanceID && o.event.payload.metadata?.tenant === 'acme')).toBe(true);
    expect(new Set(all.map((o) => o.event.payload.instanceID))).toEqual(new Set(failed));
    expect(new Set(all.map((o) => o.workflowInstanceID)).size).toBe(N);
    const compensations = (await http('GET', `/v2/instances?workflowID=${compensate}&pageSize=1000`)).cursor as { data: unknown[]; hasMore: boolean };
    expect([compensations.data.length, compensations.hasMore]).toEqual([N, false]);
  });
});
