import { eventually, PlatformUnderTest } from '@wfp/testing';

/**
 * Bulk actions (our extension) through the gateway's v2 API on real services: a cancel over
 * 1,000 instances selected by metadata, the orchestrator killed (SIGKILL) mid-job and restarted —
 * every selected instance canceled exactly once (an item applied twice would count as failed:
 * "already terminated"), the instances started afterwards untouched; client mistakes are 400s.
 */
describe('bulk actions through /api/orchestration/v2/bulk-actions', () => {
  let platform: PlatformUnderTest;
  const N = 1000;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ label: 'bulk', services: ['orchestrator', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function http(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${platform.url}/api/orchestration${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      // The orchestrator restarting: the gateway answers 503; a careful client retries.
      if (res.status === 503 && attempt < 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    }
  }
  const data = <T>(res: { body: Record<string, unknown> | undefined }) => res.body!.data as T;

  it('cancels exactly the selected instances, once each, across a SIGKILL of the orchestrator', async () => {
    const workflowID = data<{ id: string }>(await http('POST', '/v2/workflows', { stages: [{ wait_event: { event: 'never' } }] })).id;
    const startSome = async (count: number, incident: string) => {
      for (let offset = 0; offset < count; offset += 50) {
        await Promise.all(Array.from({ length: Math.min(50, count - offset) }, () => http('POST', `/v2/workflows/${workflowID}/instances?metadata[incident]=${incident}`, {})));
      }
    };
    await startSome(N, 'inc-7');
    const selection = { filter: { metadata: { incident: 'inc-7' } } };
    expect(await http('POST', '/v2/bulk-actions', { action: { type: 'cancel' }, selection, preview: true })).toEqual({ status: 200, body: { data: { preview: { total: N } } } });
    const created = await http('POST', '/v2/bulk-actions', { action: { type: 'cancel' }, selection, maxPerSecond: 200 });
    expect(created.status).toBe(201);
    const job = data<{ id: string; total: number }>(created);
    expect(job.total).toBe(N);
    await startSome(50, 'inc-7'); // arrive after the selection was frozen
    await eventually(async () => data<{ done: number }>(await http('GET', `/v2/bulk-actions/${job.id}`)).done >= N / 3, { what: 'a third done', timeoutMs: 30_000 });
    await platform.stopService('orchestrator', 'SIGKILL');
    await platform.startService('orchestrator');
    const done = await eventually(async () => {
      const current = data<{ status: string }>(await http('GET', `/v2/bulk-actions/${job.id}`));
      return current.status === 'succeeded' ? current : undefined;
    }, { what: 'job done', timeoutMs: 60_000 });
    expect(done).toMatchObject({ total: N, done: N, succeeded: N, failed: 0 });
    const count = async (query: string) => {
      let total = 0;
      let cursor: string | undefined;
      do {
        const page = (await http('GET', `/v2/instances?${cursor ? `cursor=${encodeURIComponent(cursor)}` : `${query}&pageSize=1000`}`)).body!.cursor as { data: unknown[]; next?: string };
        total += page.data.length;
        cursor = page.next;
      } while (cursor);
      return total;
    };
    expect(await count('metadata[incident]=inc-7&status=canceled')).toBe(N);
    expect(await count('metadata[incident]=inc-7&status=running')).toBe(50);
    const listed = (await http('GET', '/v2/bulk-actions')).body!.cursor as { data: Array<{ id: string }> };
    expect(listed.data.map((j) => j.id)).toContain(job.id);
    expect(await http('PUT', `/v2/bulk-actions/${job.id}/abort`)).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION', errorMessage: `bulk job ${job.id} is succeeded` } });
  });

  it('answers client mistakes with a 400 in the Formance error shape, an unknown job with a 404', async () => {
    expect(await http('POST', '/v2/bulk-actions', { action: { type: 'cancel' }, selection: { filter: {} } })).toMatchObject({
      status: 400, body: { errorCode: 'VALIDATION', errorMessage: 'invalid bulk action: selection.filter: an empty filter would select every instance: give at least one condition' },
    });
    expect(await http('POST', '/v2/bulk-actions', { action: { type: 'explode' }, selection: { ids: ['x'] } })).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION' } });
    expect(await http('POST', '/v2/bulk-actions', { action: { type: 'cancel' }, selection: { ids: ['x'] } })).toMatchObject({
      status: 400, body: { errorCode: 'VALIDATION', errorMessage: "selection.ids[0]: 'x' is not a UUID" },
    });
    expect(await http('POST', '/v2/bulk-actions', { action: { type: 'cancel' }, selection: { ids: [] }, maxPerSecond: 0 })).toMatchObject({ status: 400 });
    expect(await http('GET', '/v2/bulk-actions/00000000-0000-4000-8000-000000000000')).toMatchObject({ status: 404, body: { errorCode: 'NOT_FOUND' } });
  });
});
