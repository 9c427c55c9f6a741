import { eventually, PlatformUnderTest } from '@wfp/testing';

/**
 * Event replay through triggers (issue 22 part 4) on real processes through the gateway's v2 API,
 * with the real orchestrator:
 * - issue 23's last line: a workflow paused in drop mode, 100 matching events → 100
 *   `skipped(paused)` occurrences; resume; a replay → 100 instances, each once (tagged
 *   `metadata.replay_id`); replayed again → 0 new;
 * - a replay beside live traffic: 500 past events, a trigger created afterwards, a replay of them
 *   while 300 live events are published → one occurrence and one instance per event id (800),
 *   the past ones fired by the replay, the live ones by the live consumer only;
 * - client mistakes are 400s in the Formance error shape, an unknown replay a 404.
 */
describe('event replay through /api/orchestration/v2/replays', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ label: 'replay', services: ['orchestrator', 'triggers', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function http(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }
  async function ok<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await http(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body?.data as T;
  }
  type Occurrence = { outcome?: string; reason?: string; workflowInstanceID?: string; replayID?: string };
  type Replay = { id: string; status: string; counts: Record<string, number> };
  const occurrences = async (trigger: string) => ok<Occurrence[]>('GET', `/api/orchestration/triggers/${trigger}/occurrences`);
  const instances = async (query: string) => {
    const all: Array<{ id: string; metadata?: Record<string, string> }> = [];
    let cursor: string | undefined;
    do {
      const page = (await http('GET', `/api/orchestration/v2/instances?${cursor ? `cursor=${encodeURIComponent(cursor)}` : `${query}&pageSize=1000`}`)).body!.cursor as {
        data: Array<{ id: string; metadata?: Record<string, string> }>; next?: string;
      };
      all.push(...page.data);
      cursor = page.next;
    } while (cursor);
    return all;
  };
  const replayUntilDone = async (body: unknown): Promise<Replay> => {
    const created = await http('POST', '/api/orchestration/v2/replays', body);
    expect(created.status).toBe(201);
    const id = (created.body!.data as Replay).id;
    return eventually(async () => {
      const current = await ok<Replay>('GET', `/api/orchestration/v2/replays/${id}`);
      return current.status === 'running' ? undefined : current;
    }, { what: `replay ${id} done`, timeoutMs: 60_000 });
  };

  it('pause in drop mode, 100 events → 100 skipped(paused); resume; replay → 100 instances each once; again → 0 new', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const workflow = (await ok<{ id: string }>('POST', '/api/orchestration/workflows', { stages: [{ noop: {} }] })).id;
    const trigger = (await ok<{ id: string }>('POST', '/api/orchestration/triggers', { name: 'orders', event: 'order.placed', workflowID: workflow, vars: { n: 'event.n' } })).id;
    await ok('PUT', `/api/orchestration/v2/workflows/${workflow}/pause`, { mode: 'drop' });
    for (let i = 0; i < 100; i += 20) {
      await Promise.all(Array.from({ length: 20 }, (_, k) => ok('POST', '/api/events', { app: 'shop', version: 'v1', type: 'order.placed', payload: { n: i + k } })));
    }
    const dropped = await eventually(async () => {
      const found = await occurrences(trigger);
      return found.length === 100 ? found : undefined;
    }, { what: '100 occurrences', timeoutMs: 30_000 });
    expect(dropped.every((o) => o.outcome === 'skipped' && o.reason === 'paused' && !o.workflowInstanceID)).toBe(true);
    expect(await instances(`workflowID=${workflow}`)).toHaveLength(0);

    await ok('PUT', `/api/orchestration/v2/workflows/${workflow}/resume`);
    const replay = await replayUntilDone({ from, triggers: [trigger] });
    expect(replay.status).toBe('succeeded');
    expect(replay.counts).toMatchObject({ matched: 100, already_fired: 0, started: 100, skipped: 0, failed: 0 });
    const started = await instances(`workflowID=${workflow}`);
    expect(started).toHaveLength(100);
    expect(started.every((i) => i.metadata?.replay_id === replay.id)).toBe(true);
    expect((await instances(`metadata[replay_id]=${replay.id}`)).map((i) => i.id).sort()).toEqual(started.map((i) => i.id).sort());
    const after = await occurrences(trigger);
    // The skips stay visible; each replayed pair has one more occurrence, started by the replay.
    expect(after.filter((o) => o.outcome === 'skipped' && o.reason === 'paused')).toHaveLength(100);
    const replayed = after.filter((o) => o.replayID === replay.id);
    expect(replayed).toHaveLength(100);
    expect(new Set(replayed.map((o) => o.workflowInstanceID)).size).toBe(100);

    const again = await replayUntilDone({ from, triggers: [trigger] });
    expect(again.counts).toMatchObject({ matched: 100, already_fired: 100, started: 0 });
    expect(await instances(`workflowID=${workflow}`)).toHaveLength(100);
  }, 120_000);

  it('replay with live traffic beside it → 0 duplicates, 0 lost', async () => {
    const K = 500;
    const L = 300;
    const type = 'invoice.issued';
    const publish = async (n: number, phase: string) =>
      (await http('POST', '/api/events', { app: 'shop', version: 'v1', type, payload: { n, phase } })).body as { id: string; duplicate: boolean };
    const publishIds = async (ids: string[], count: number, phase: string, batch: number) => {
      for (let i = 0; i < count; i += batch) {
        const got = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, k) => publish(i + k, phase)));
        expect(got.every((e) => !e.duplicate)).toBe(true);
        ids.push(...got.map((e) => e.id));
      }
    };
    const from = new Date(Date.now() - 1000).toISOString();
    const workflow = (await ok<{ id: string }>('POST', '/api/orchestration/workflows', { stages: [{ noop: {} }] })).id;
    // K past events, published before the trigger exists (nothing fires them live).
    const past: string[] = [];
    await publishIds(past, K, 'past', 25);
    const trigger = (await ok<{ id: string }>('POST', '/api/orchestration/triggers', { name: 'invoices', event: type, workflowID: workflow, vars: { n: 'event.n' } })).id;

    // L live events in a steady stream; the replay is created once some are on the bus, so its
    // window (up to its creation) holds live events the live consumer fires too.
    const live: string[] = [];
    const publishing = publishIds(live, L, 'live', 10);
    await eventually(() => live.length >= 50, { what: 'live traffic flowing', timeoutMs: 30_000, intervalMs: 5 });
    const replay = await replayUntilDone({ from, triggers: [trigger] });
    await publishing;
    expect(replay.status).toBe('succeeded');
    expect(live).toHaveLength(L);

    type Fired = { event: { id: string }; workflowInstanceID?: string; error?: string; replayID?: string; outcome?: string };
    const allOccurrences = async () => {
      const all: Fired[] = [];
      let cursor: string | undefined;
      do {
        const page = (await http('GET', `/api/orchestration/v2/triggers/${trigger}/occurrences?${cursor ? `cursor=${encodeURIComponent(cursor)}` : 'pageSize=1000'}`)).body!.cursor as {
          data: Fired[]; next?: string;
        };
        all.push(...page.data);
        cursor = page.next;
      } while (cursor);
      return all;
    };
    const fired = await eventually(async () => {
      const found = await allOccurrences();
      return found.length >= K + L ? found : undefined;
    }, { what: `${K + L} occurrences`, timeoutMs: 60_000, intervalMs: 500 });
    // One occurrence per event id, past and live, none twice, none missing, each with its own instance.
    expect(fired).toHaveLength(K + L);
    const eventIds = fired.map((o) => o.event.id);
    expect(new Set(eventIds).size).toBe(K + L);
    expect(new Set(eventIds)).toEqual(new Set([...past, ...live]));
    expect(fired.filter((o) => o.error !== undefined || !o.workflowInstanceID)).toEqual([]);
    expect(new Set(fired.map((o) => o.workflowInstanceID)).size).toBe(K + L);
    // The past events were fired by the replay; the live ones in its window were already fired by the live consumer.
    expect(new Set(fired.filter((o) => o.replayID === replay.id).map((o) => o.event.id))).toEqual(new Set(past));
    expect(replay.counts).toMatchObject({ started: K, skipped: 0, failed: 0 });
    expect(replay.counts.matched).toBe(K + replay.counts.already_fired);
    // Live events on both sides of the replay's frozen end: in its window (fired live, then seen
    // as already fired) and after it (published while it ran, fired live only).
    expect(replay.counts.already_fired).toBeGreaterThanOrEqual(50);
    expect(replay.counts.already_fired).toBeLessThan(L);
    const started = await instances(`workflowID=${workflow}`);
    expect(started).toHaveLength(K + L);
    expect(new Set(started.map((i) => i.id))).toEqual(new Set(fired.map((o) => o.workflowInstanceID)));
  }, 180_000);

  it('answers client mistakes with a 400 in the Formance error shape, an unknown replay with a 404', async () => {
    const now = new Date().toISOString();
    expect(await http('POST', '/api/orchestration/v2/replays', { from: now, triggers: [] })).toMatchObject({
      status: 400, body: { errorCode: 'VALIDATION', errorMessage: 'invalid replay: triggers: give at least one trigger id, or "all"' },
    });
    expect(await http('POST', '/api/orchestration/v2/replays', { from: now, to: new Date(Date.now() - 60_000).toISOString(), triggers: 'all' })).toMatchObject({
      status: 400, body: { errorCode: 'VALIDATION' },
    });
    expect(await http('POST', '/api/orchestration/v2/replays', { from: 'yesterday', triggers: 'all' })).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION' } });
    expect(await http('GET', '/api/orchestration/v2/replays/00000000-0000-4000-8000-000000000000')).toMatchObject({ status: 404, body: { errorCode: 'NOT_FOUND' } });
    const listed = (await http('GET', '/api/orchestration/v2/replays')).body!.cursor as { data: Replay[] };
    expect(listed.data.length).toBeGreaterThanOrEqual(2);
  });
});
