import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { connect, NatsConnection, StringCodec } from 'nats';
import { EventEnvelope, eventsStreamName, eventSubject } from '@wfp/contracts';
import { eventually, testNatsUrl, unwrap } from '@wfp/testing';
import { Client } from 'pg';
import { EngineService } from '../runtime/engine.service';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';

/**
 * `cancel_on` (issue 22) on real Postgres and NATS: a matching bus event cancels a sleeping
 * instance (`canceledBy`, the lifecycle event's cause); a non-matching key or an event published
 * after `within` does nothing; a cancel during an `http` call lets the call finish once and runs
 * nothing after it; a cancel published before the start is caught by `lookback`; a trigger's
 * matchers (on the start request) apply beside the workflow's.
 */
describe('engine: cancel_on', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  let nc: NatsConnection;
  let sql: Client;
  let hook: Server;
  let hookUrl: string;
  const sc = StringCodec();
  /** Calls of the hook by path; `/hold/…` answers only when released. */
  const calls = new Map<string, number>();
  const held: Array<() => void> = [];

  beforeAll(async () => {
    hook = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const path = req.url ?? '';
        calls.set(path, (calls.get(path) ?? 0) + 1);
        const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
        if (path.startsWith('/hold/')) held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    under = await startEngineUnderTest('engine_cancel_on');
    engine = under.engine;
    nc = await connect({ servers: testNatsUrl() });
    sql = new Client({ connectionString: under.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    held.forEach((answer) => answer());
    await sql?.end();
    await nc?.close();
    await under?.stop();
    hook?.closeAllConnections();
    await new Promise((resolve) => hook?.close(resolve));
  });

  const instance = async (id: string) => unwrap(await engine.getInstance(id));
  const terminated = (id: string) =>
    eventually(async () => ((await instance(id)).terminated ? instance(id) : undefined), { what: `termination of ${id}`, timeoutMs: 20_000 });
  const workflow = async (config: Record<string, unknown>) => unwrap(await engine.createWorkflow(config)).id;
  const startOf = async (workflowId: string, triggerEvent: Record<string, unknown>, cancelOn?: unknown) =>
    unwrap(await engine.start({ workflowId, variables: {}, triggerEvent, ...(cancelOn ? { cancelOn: cancelOn as never } : {}) })).id;
  const cancelWaits = async (id: string) => (await sql.query(`SELECT matcher FROM orchestrator.cancel_waits WHERE instance_id = $1`, [id])).rows;

  async function publish(type: string, payload: Record<string, unknown>, date = new Date()): Promise<string> {
    const id = randomUUID();
    const envelope: EventEnvelope = { id, idempotency_key: id, date: date.toISOString(), app: 'tests', version: 'v1', type, payload };
    await nc.jetstream().publish(eventSubject(under.namespace, 'tests', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
    return id;
  }

  async function lifecycle(type: string, instanceId: string): Promise<EventEnvelope | undefined> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(eventsStreamName(under.namespace));
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(eventsStreamName(under.namespace), { seq }).catch(() => undefined);
      if (!msg) continue;
      const envelope = JSON.parse(sc.decode(msg.data)) as EventEnvelope;
      if (envelope.type === type && envelope.payload.instanceID === instanceId) return envelope;
    }
    return undefined;
  }

  it('refuses a malformed cancel_on at create, naming the field', async () => {
    expect(await engine.createWorkflow({ stages: [], cancel_on: [{ event: 'order.cancelled', within: 'soon' }] })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringContaining('cancel_on[0].within') },
    });
    expect(await engine.createWorkflow({ stages: [], cancel_on: [{ event: 'order.cancelled', if: 'async.id ==' }] })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringContaining('cancel_on[0].if') },
    });
    expect(await engine.createWorkflow({ stages: [], cancel_on: [{ event: 'order cancelled' }] })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringContaining('cancel_on[0].event') },
    });
    expect(await engine.createWorkflow({ stages: [], cancel_on: [{ event: 'a.b', bogus: 1 }] })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('cancels a sleeping instance on the matching event only; canceledBy on the instance and its FAILED_WORKFLOW', async () => {
    const type = `order.cancelled.${randomUUID().slice(0, 8)}`;
    const id = await workflow({ stages: [{ delay: { duration: '1h' } }, { noop: {} }], cancel_on: [{ event: type, if: 'async.order_id == event.order_id' }] });
    const a = await startOf(id, { order_id: 'o-1' });
    const b = await startOf(id, { order_id: 'o-2' });
    expect(await cancelWaits(a)).toHaveLength(1);
    // Another order's cancel, then another type: nothing happens to A (B is the barrier).
    await publish(`${type}.other`, { order_id: 'o-1' });
    const forB = await publish(type, { order_id: 'o-2' });
    const bEnded = await terminated(b);
    expect(bEnded).toMatchObject({ error: 'canceled', canceledBy: forB });
    expect((await instance(a)).terminated).toBe(false);

    const sentAt = Date.now();
    const forA = await publish(type, { order_id: 'o-1', reason: 'customer' });
    const ended = await terminated(a);
    const tookMs = Date.now() - sentAt;
    expect(ended).toMatchObject({ error: 'canceled', canceledBy: forA });
    expect(ended.status).toHaveLength(1);
    expect(ended.status![0].error).toBe('canceled');
    expect(await cancelWaits(a)).toEqual([]);
    expect((await sql.query(`SELECT 1 FROM orchestrator.timers WHERE instance_id = $1`, [a])).rows).toEqual([]);
    const failed = await eventually(() => lifecycle('FAILED_WORKFLOW', a), { what: 'the FAILED_WORKFLOW event' });
    expect(failed.payload).toMatchObject({ instanceID: a, error: 'canceled', cause: 'canceled_by_event', canceledBy: forA });
    const stageFailed = await eventually(() => lifecycle('FAILED_WORKFLOW_STAGE', a), { what: 'the FAILED_WORKFLOW_STAGE event' });
    expect(stageFailed.payload).toMatchObject({ instanceID: a, number: 0, error: 'canceled', cause: 'canceled_by_event', canceledBy: forA });
    // A second matching event (a redelivery would be one too) changes nothing.
    await publish(type, { order_id: 'o-1' });
    expect(tookMs).toBeLessThan(5_000);
  });

  it('ignores an event published after `within`, and one published before the start (no lookback)', async () => {
    const type = `order.cancelled.${randomUUID().slice(0, 8)}`;
    const id = await workflow({ stages: [{ delay: { duration: '1h' } }], cancel_on: [{ event: type, if: 'async.order_id == event.order_id', within: '1m' }] });
    const late = await startOf(id, { order_id: 'late' });
    const early = await startOf(id, { order_id: 'early' });
    const barrier = await startOf(id, { order_id: 'barrier' });
    await publish(type, { order_id: 'late' }, new Date(Date.now() + 3_600_000)); // published an hour after the start
    await publish(type, { order_id: 'early' }, new Date(Date.now() - 60_000)); // a minute before it
    await publish(type, { order_id: 'barrier' });
    await terminated(barrier);
    expect((await instance(late)).terminated).toBe(false);
    expect((await instance(early)).terminated).toBe(false);
    unwrap(await engine.abort(late));
    unwrap(await engine.abort(early));
    expect(await cancelWaits(late)).toEqual([]);
  });

  it('lets an http call in flight finish once, then cancels: nothing after it runs', async () => {
    const type = `order.cancelled.${randomUUID().slice(0, 8)}`;
    const path = `/hold/${randomUUID()}`;
    const id = await workflow({
      stages: [{ http: { url: `${hookUrl}${path}`, method: 'POST' } }, { http: { url: `${hookUrl}/after${path}` } }],
      cancel_on: [{ event: type }],
    });
    const started = await startOf(id, {});
    await eventually(async () => calls.get(path) === 1, { what: 'the call in flight' });
    const cancel = await publish(type, {});
    await eventually(async () => (await sql.query(`SELECT cancel_requested_by FROM orchestrator.instances WHERE id = $1`, [started])).rows[0]?.cancel_requested_by === cancel, {
      what: 'the cancel requested',
    });
    expect((await instance(started)).terminated).toBe(false);
    held.splice(0).forEach((answer) => answer());
    const ended = await terminated(started);
    expect(ended).toMatchObject({ error: 'canceled', canceledBy: cancel });
    expect(ended.status).toHaveLength(1);
    expect(ended.status![0].error).toBeUndefined(); // the call's stage succeeded
    expect(calls.get(path)).toBe(1);
    expect(calls.get(`/after${path}`)).toBeUndefined();
  });

  it('cancels at start with a cancel published before it, within the lookback', async () => {
    const type = `order.cancelled.${randomUUID().slice(0, 8)}`;
    const id = await workflow({ stages: [{ delay: { duration: '1h' } }], cancel_on: [{ event: type, if: 'async.order_id == event.order_id', lookback: '10s' }] });
    const before = await publish(type, { order_id: 'o-9' }, new Date(Date.now() - 1_000));
    const other = await publish(type, { order_id: 'o-8' }, new Date(Date.now() - 1_000));
    await eventually(async () => (await sql.query(`SELECT 1 FROM orchestrator.recent_events WHERE id = ANY($1)`, [[before, other]])).rows.length === 2, {
      what: 'the cancels recorded as recent events',
    });
    const canceled = await startOf(id, { order_id: 'o-9' });
    const ended = await instance(canceled);
    expect(ended).toMatchObject({ terminated: true, error: 'canceled', canceledBy: before });
    expect(ended.status ?? []).toEqual([]);
    expect(await cancelWaits(canceled)).toEqual([]);
    // Another order started at the same time runs, and is canceled by its own event afterwards.
    const running = await startOf(id, { order_id: 'o-7' });
    expect((await instance(running)).terminated).toBe(false);
    const own = await publish(type, { order_id: 'o-7' });
    expect(await terminated(running)).toMatchObject({ canceledBy: own });
  });

  it('matches on the instance variables at its start (`vars`, a start through the API)', async () => {
    const type = `order.cancelled.${randomUUID().slice(0, 8)}`;
    const id = await workflow({ stages: [{ delay: { duration: '1h' } }], cancel_on: [{ event: type, if: 'async.order == vars.order' }] });
    const mine = unwrap(await engine.start({ workflowId: id, variables: { order: 'o-5' } })).id;
    const other = unwrap(await engine.start({ workflowId: id, variables: { order: 'o-6' } })).id;
    const prefilter = (await sql.query(`SELECT match_path, match_value FROM orchestrator.cancel_waits WHERE instance_id = $1`, [mine])).rows[0];
    expect(prefilter).toEqual({ match_path: ['order'], match_value: 'o-5' });
    const cancel = await publish(type, { order: 'o-5' });
    expect(await terminated(mine)).toMatchObject({ canceledBy: cancel });
    expect((await instance(other)).terminated).toBe(false);
  });

  it("applies a trigger's matchers (on the start request) beside the workflow's", async () => {
    const workflowType = `workflow.stop.${randomUUID().slice(0, 8)}`;
    const triggerType = `trigger.stop.${randomUUID().slice(0, 8)}`;
    const id = await workflow({ stages: [{ delay: { duration: '1h' } }], cancel_on: [{ event: workflowType }] });
    const byTrigger = await startOf(id, { customer: 'c-1' }, [{ event: triggerType, if: "async.customer == event.customer && async.hard == 'yes'" }]);
    const byWorkflow = await startOf(id, { customer: 'c-2' });
    expect(await cancelWaits(byTrigger)).toHaveLength(2);
    await publish(triggerType, { customer: 'c-1', hard: 'no' });
    const stop = await publish(triggerType, { customer: 'c-1', hard: 'yes' });
    expect(await terminated(byTrigger)).toMatchObject({ canceledBy: stop });
    expect((await instance(byWorkflow)).terminated).toBe(false);
    const stopAll = await publish(workflowType, {});
    expect(await terminated(byWorkflow)).toMatchObject({ canceledBy: stopAll });
  });
});
