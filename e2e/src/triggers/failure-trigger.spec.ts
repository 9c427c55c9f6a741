import { connect, NatsConnection } from 'nats';
import { EventEnvelope } from '@wfp/contracts';
import { eventually, PlatformUnderTest, streamEventsOfType, testNatsUrl } from '@wfp/testing';

/**
 * A failure trigger (issue 22): the orchestrator's `FAILED_WORKFLOW` lifecycle event carries the
 * workflow, the instance and its metadata, so a trigger on it with a filter starts a compensation
 * workflow — exactly once per failure, here 1,000 failures (and none for the filtered-out tenant).
 * Each compensation gets its failed instance's id in its variables (`failed_instance:
 * event.instanceID`, published back by its `publish` stage: every failed id exactly once), and its
 * lifecycle events carry its origin — the trigger and the FAILED_WORKFLOW event that fired it.
 * 1,000 runs in about 15 s on a 2-core machine (the whole test; hence its own 180 s timeout for slow runs).
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

  /** Every event of one type on the stream. */
  async function streamEvents(app: string, version: string, type: string): Promise<EventEnvelope[]> {
    const nc: NatsConnection = await connect({ servers: testNatsUrl() });
    try {
      return await streamEventsOfType(nc, platform.namespace, app, version, type);
    } finally {
      await nc.close();
    }
  }

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
    // Publishes its variable back on the bus (app orchestration, v1): which failure it compensates.
    const compensate = idOf(
      await http('POST', '/v2/workflows', {
        name: 'compensate', stages: [{ publish: { type: 'compensation.done', payload: { failed_instance: '${failed_instance}' } } }],
      }),
    );
    const trigger = idOf(
      await http('POST', '/v2/triggers', {
        name: 'compensate-failures', event: 'FAILED_WORKFLOW', workflowID: compensate,
        filter: `event.id == "${fragile}" && event.metadata.tenant == "acme"`,
        vars: { failed_instance: 'event.instanceID', error: 'event.error' },
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

    // Each compensation had one failed instance's id in its variables: every failed id exactly once.
    const done = await eventually(async () => {
      const found = await streamEvents('orchestration', 'v1', 'compensation.done');
      return found.length >= N ? found : undefined;
    }, { what: `${N} compensation.done events`, timeoutMs: 60_000, intervalMs: 1000 });
    const compensated = done.map((e) => String(e.payload.failed_instance));
    expect(compensated).toHaveLength(N);
    expect(new Set(compensated).size).toBe(N);
    expect(new Set(compensated)).toEqual(new Set(failed));

    // Lifecycle events: the failures say `cause: failed` (no origin: started through the API); each
    // compensation's STARTED_WORKFLOW names the trigger and the FAILED_WORKFLOW event that fired it.
    const failures = await eventually(async () => {
      const found = new Map(
        (await streamEvents('orchestration', 'v2', 'FAILED_WORKFLOW')).filter((e) => e.payload.id === fragile).map((e) => [e.id, e] as const),
      );
      return found.size >= N + 20 ? found : undefined;
    }, { what: `${N + 20} FAILED_WORKFLOW events`, timeoutMs: 30_000, intervalMs: 1000 });
    expect(failures.size).toBe(N + 20);
    expect([...failures.values()].every((e) => e.payload.cause === 'failed' && e.payload.triggerID === undefined)).toBe(true);
    const starts = (await streamEvents('orchestration', 'v2', 'STARTED_WORKFLOW')).filter((e) => e.payload.id === compensate);
    expect(starts).toHaveLength(N);
    expect(starts.every((e) => e.payload.triggerID === trigger)).toBe(true);
    const fired = starts.map((e) => failures.get(String(e.payload.eventID))?.payload.instanceID);
    expect(new Set(fired)).toEqual(new Set(failed));
  }, 180_000);

  it('a trigger’s cancel_on over HTTP: shown back on create and read; a bad one is a 400 naming the field', async () => {
    const workflow = idOf(await http('POST', '/v2/workflows', { name: 'cancelable', stages: [{ noop: {} }] }));
    const cancelOn = [{ event: 'order.cancelled', if: 'async.order == event.order', within: '1h' }];
    const created = await http('POST', '/v2/triggers', { name: 'with-cancel-on', event: 'order.placed', workflowID: workflow, cancel_on: cancelOn });
    expect((created.data as { cancel_on?: unknown }).cancel_on).toEqual(cancelOn);
    expect(((await http('GET', `/v2/triggers/${idOf(created)}`)).data as { cancel_on?: unknown }).cancel_on).toEqual(cancelOn);
    const res = await fetch(`${platform.url}/api/orchestration/v2/triggers`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ event: 'order.placed', workflowID: workflow, cancel_on: [{ event: 'order.cancelled', within: 'soon' }] }),
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: { errorCode: 'VALIDATION', errorMessage: 'validating data: cancel_on[0].within: must be a duration like 500ms, 10s, 5m, 1h or 1d' },
    });
  });
});
