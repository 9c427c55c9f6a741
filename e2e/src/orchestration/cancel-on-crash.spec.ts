import { connect, NatsConnection } from 'nats';
import { busWaitDurableOf, eventually, PlatformUnderTest, streamEventsOfType, testNatsUrl } from '@wfp/testing';

/**
 * `cancel_on` across crashes (docs/cancel-on.md "Exactly once"): N sleeping instances, one
 * `order.cancelled` per order published in a steady stream through the gateway; the orchestrator is
 * killed (SIGKILL) while its bus consumer is matching them — events delivered to it and not acked
 * (in its inbox transaction or just committed) — restarted, killed again while it catches up (the
 * events published while it was down), restarted. Every instance ends canceled exactly once: by its
 * own order's event, one FAILED_WORKFLOW (`cause: canceled_by_event`) each on the events stream,
 * none running, none succeeded.
 */
describe('cancel_on: kill -9 between match and commit → exactly one outcome', () => {
  let platform: PlatformUnderTest;
  let nc: NatsConnection;
  const N = 300;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ label: 'cancel_kill', services: ['orchestrator', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } });
    nc = await connect({ servers: testNatsUrl() });
  }, 90_000);

  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
  });

  async function http(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${platform.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      // The orchestrator restarting: the gateway answers 503; a careful client retries.
      if (res.status === 503 && attempt < 300) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    }
  }
  const data = async <T>(method: string, path: string, body?: unknown) => (await http(method, path, body)).body!.data as T;

  type Instance = { id: string; terminated: boolean; error?: string; canceledBy?: string };
  const instances = async (query: string): Promise<Instance[]> => {
    const all: Instance[] = [];
    let cursor: string | undefined;
    do {
      const page = (await http('GET', `/api/orchestration/v2/instances?${cursor ? `cursor=${encodeURIComponent(cursor)}` : `${query}&pageSize=1000`}`)).body!.cursor as {
        data: Instance[]; next?: string;
      };
      all.push(...page.data);
      cursor = page.next;
    } while (cursor);
    return all;
  };

  const streamEvents = (app: string, version: string, type: string) => streamEventsOfType(nc, platform.namespace, app, version, type);

  /** The bus consumer's state while the orchestrator is down: delivered-not-acked, not yet delivered. */
  const consumerState = async () => {
    const info = await busWaitDurableOf(await nc.jetstreamManager(), platform.namespace, 'order.cancelled');
    if (!info) throw new Error('the orchestrator reads no durable for order.cancelled');
    return { ackPending: info.num_ack_pending, pending: info.num_pending, redelivered: info.num_redelivered };
  };

  it(`${N} instances, ${N} cancel events, the orchestrator killed twice mid-matching: each canceled once, by its own event`, async () => {
    const workflow = (
      await data<{ id: string }>('POST', '/api/orchestration/workflows', {
        name: 'cancel-crash',
        stages: [{ delay: { duration: '1h' } }, { noop: {} }],
        cancel_on: [{ event: 'order.cancelled', if: 'async.order == vars.order' }],
      })
    ).id;
    const orderOf = new Map<string, string>(); // instance id → order
    for (let offset = 0; offset < N; offset += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, N - offset) }, async (_, k) => {
          const order = `o-${offset + k}`;
          return [(await data<{ id: string }>('POST', `/api/orchestration/v2/workflows/${workflow}/instances`, { order })).id, order] as const;
        }),
      );
      for (const [id, order] of batch) orderOf.set(id, order);
    }
    expect(orderOf.size).toBe(N);
    expect(await instances(`workflowID=${workflow}&status=running`)).toHaveLength(N);

    // The cancels, published in a steady stream (10 at a time) through the gateway, which does not
    // need the orchestrator: they keep coming while it is down.
    const eventOf = new Map<string, string>(); // order → cancel event id
    let published = 0;
    const publishing = (async () => {
      for (let offset = 0; offset < N; offset += 10) {
        const ids = await Promise.all(
          Array.from({ length: Math.min(10, N - offset) }, async (_, k) => {
            const order = `o-${offset + k}`;
            const res = (await http('POST', '/api/events', { app: 'shop', version: 'v1', type: 'order.cancelled', payload: { order } })).body as { id: string; duplicate: boolean };
            expect(res.duplicate).toBe(false);
            return [order, res.id] as const;
          }),
        );
        for (const [order, id] of ids) eventOf.set(order, id);
        published += ids.length;
      }
    })();
    const canceledCount = async () => (await instances(`workflowID=${workflow}&status=canceled`)).length;

    // Kill 1: once some instances are canceled, while events are still being published and matched.
    const before1 = await eventually(async () => {
      const count = await canceledCount();
      return count >= 20 ? count : undefined;
    }, { what: 'the first cancels', timeoutMs: 30_000, intervalMs: 10 });
    await platform.stopService('orchestrator', 'SIGKILL');
    const atKill1 = { canceled: before1, published, ...(await consumerState()) };
    // The consumer had work in hand or queued: delivered and not acked (between match and commit,
    // or committed and not acked), or not delivered yet.
    expect(atKill1.ackPending + atKill1.pending + (N - published)).toBeGreaterThan(0);
    await publishing; // the rest arrives while the orchestrator is down
    expect(eventOf.size).toBe(N);
    await platform.startService('orchestrator');

    // Kill 2: while it catches up (the backlog published while it was down).
    const before2 = await eventually(async () => {
      const count = await canceledCount();
      return count > before1 + 10 ? count : undefined;
    }, { what: 'catching up after the restart', timeoutMs: 60_000, intervalMs: 10 });
    await platform.stopService('orchestrator', 'SIGKILL');
    const atKill2 = { canceled: before2, ...(await consumerState()) };
    expect(before2).toBeLessThan(N);
    await platform.startService('orchestrator');

    // Delivered-not-acked events come back after the consumer's ack wait (30 s).
    const all = await eventually(async () => {
      const found = await instances(`workflowID=${workflow}`);
      return found.length === N && found.every((i) => i.terminated) ? found : undefined;
    }, { what: `all ${N} terminated`, timeoutMs: 120_000, intervalMs: 500 });
    console.log(JSON.stringify({ atKill1, atKill2, after: await consumerState() }));

    for (const instance of all) {
      const order = orderOf.get(instance.id);
      expect({ id: instance.id, error: instance.error, canceledBy: instance.canceledBy }).toEqual({ id: instance.id, error: 'canceled', canceledBy: eventOf.get(order!) });
    }
    expect(new Set(all.map((i) => i.canceledBy)).size).toBe(N);
    expect(await instances(`workflowID=${workflow}&status=running`)).toHaveLength(0);
    expect(await instances(`workflowID=${workflow}&status=succeeded`)).toHaveLength(0);
    expect(await instances(`workflowID=${workflow}&status=canceled`)).toHaveLength(N);

    // Exactly one FAILED_WORKFLOW per instance, canceled_by_event by its own order's event; no SUCCEEDED_WORKFLOW.
    const failures = await eventually(async () => {
      const found = (await streamEvents('orchestration', 'v2', 'FAILED_WORKFLOW')).filter((e) => e.payload.id === workflow);
      return found.length >= N ? found : undefined;
    }, { what: `${N} FAILED_WORKFLOW events`, timeoutMs: 30_000, intervalMs: 500 });
    expect(failures).toHaveLength(N);
    expect(new Set(failures.map((e) => String(e.payload.instanceID)))).toEqual(new Set(orderOf.keys()));
    for (const e of failures) {
      const order = orderOf.get(String(e.payload.instanceID))!;
      expect(e.payload).toMatchObject({ error: 'canceled', cause: 'canceled_by_event', canceledBy: eventOf.get(order) });
    }
    expect((await streamEvents('orchestration', 'v2', 'SUCCEEDED_WORKFLOW')).filter((e) => e.payload.id === workflow)).toHaveLength(0);
    // Nothing dead-lettered and nothing left: the consumer acked every event.
    expect(await consumerState()).toMatchObject({ ackPending: 0, pending: 0 });
  }, 240_000);
});
