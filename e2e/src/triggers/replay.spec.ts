import { eventually, PlatformUnderTest } from '@wfp/testing';

/**
 * Event replay through triggers (issue 22 part 4) on real processes through the gateway's v2 API,
 * with the real orchestrator:
 * - issue 23's last line: a workflow paused in drop mode, 100 matching events → 100
 *   `skipped(paused)` occurrences; resume; a replay → 100 instances, each once (tagged
 *   `metadata.replay_id`); replayed again → 0 new;
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
