import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { connect, NatsConnection, StringCodec } from 'nats';
import { EventEnvelope, eventSubject } from '@wfp/contracts';
import { eventually, FakeClock, testNatsUrl, unwrap } from '@wfp/testing';
import { Client } from 'pg';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';
import { EngineService } from '../runtime/engine.service';

/**
 * The documented promise of `sendEvent` (docs/orchestration-v1.md): an event the instance is not
 * waiting for is buffered and consumed by the FIRST LATER `wait_event` with that name — whichever
 * system reaches that stage: the waits system (right after another event), the act system (after
 * an acting stage), the bus waits (after a `wait_for_event`), the timers (after a `delay`, after a
 * `wait_event` timeout with `on_timeout: continue`).
 */
describe('engine: buffered events are consumed by the first later wait_event (real Postgres + NATS)', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  let nc: NatsConnection;
  let sql: Client;
  let hook: Server;
  let hookUrl: string;
  const clock = new FakeClock('2026-03-01T10:00:00Z');
  const sc = StringCodec();

  beforeAll(async () => {
    hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    under = await startEngineUnderTest('engine_buffered', { clock });
    engine = under.engine;
    nc = await connect({ servers: testNatsUrl() });
    sql = new Client({ connectionString: under.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await nc?.close();
    await under?.stop();
    hook?.closeAllConnections();
    await new Promise((resolve) => hook?.close(resolve));
  });

  const instance = async (id: string) => unwrap(await engine.getInstance(id));
  const start = async (stages: unknown[]) => {
    const workflow = unwrap(await engine.createWorkflow({ stages }));
    return unwrap(await engine.startInstance(workflow.id, {})).id;
  };
  /** Waits until the instance's stage `stage` is the open one (reached and not terminated). */
  const reached = (id: string, stage: number) =>
    eventually(async () => {
      const status = (await instance(id)).status ?? [];
      return status.length === stage + 1 && !status[stage].terminatedAt;
    }, { what: `stage ${stage} reached` });
  const succeeded = async (id: string) => {
    const done = await eventually(async () => ((await instance(id)).terminated ? instance(id) : undefined), { what: 'termination' });
    expect(done.error).toBeUndefined();
    expect(done.status?.every((s) => s.terminatedAt && !s.error)).toBe(true);
    const left = await sql.query(
      `SELECT (SELECT count(*) FROM orchestrator.buffered_events WHERE instance_id = $1)::int AS buffered,
              (SELECT count(*) FROM orchestrator.waits WHERE instance_id = $1)::int AS waits,
              (SELECT count(*) FROM orchestrator.timers WHERE instance_id = $1)::int AS timers`,
      [id],
    );
    expect(left.rows[0]).toEqual({ buffered: 0, waits: 0, timers: 0 });
    return done;
  };

  it('[wait_event a, wait_event b]: b sent first (buffered), then a — b is consumed inline', async () => {
    const id = await start([{ wait_event: { event: 'a' } }, { wait_event: { event: 'b' } }]);
    unwrap(await engine.sendEvent(id, 'b'));
    unwrap(await engine.sendEvent(id, 'a'));
    const done = await succeeded(id);
    expect(done.status).toHaveLength(2);
  });

  it('after a delay: b buffered, a completes, the delay elapses, b is consumed', async () => {
    const id = await start([{ wait_event: { event: 'a' } }, { delay: { duration: '10s' } }, { wait_event: { event: 'b' } }]);
    unwrap(await engine.sendEvent(id, 'b'));
    unwrap(await engine.sendEvent(id, 'a'));
    await reached(id, 1);
    clock.advance(10_000);
    await succeeded(id);
  });

  it('after an acting stage: b buffered, a completes, the http call succeeds, b is consumed', async () => {
    const id = await start([{ wait_event: { event: 'a' } }, { http: { url: `${hookUrl}/ok` } }, { wait_event: { event: 'b' } }]);
    unwrap(await engine.sendEvent(id, 'b'));
    unwrap(await engine.sendEvent(id, 'a'));
    await succeeded(id);
  });

  it('after a wait_for_event: b buffered, a completes, the bus event arrives, b is consumed', async () => {
    const type = `thing.happened.${randomUUID().slice(0, 8)}`;
    const id = await start([{ wait_event: { event: 'a' } }, { wait_for_event: { type } }, { wait_event: { event: 'b' } }]);
    unwrap(await engine.sendEvent(id, 'b'));
    unwrap(await engine.sendEvent(id, 'a'));
    await eventually(async () => (await sql.query(`SELECT 1 FROM orchestrator.bus_waits WHERE instance_id = $1`, [id])).rows.length === 1, {
      what: 'bus wait',
    });
    // Bus waits compare the event's date with the wait's start, stamped by the database clock.
    const eventId = randomUUID();
    const envelope: EventEnvelope = { id: eventId, idempotency_key: eventId, date: new Date().toISOString(), app: 'tests', version: 'v1', type, payload: {} };
    await nc.jetstream().publish(eventSubject(under.namespace, 'tests', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: eventId });
    await succeeded(id);
  });

  it('after a wait_event timeout with on_timeout: continue: b buffered, the deadline passes, b is consumed', async () => {
    const id = await start([{ wait_event: { event: 'a', timeout: '30s', on_timeout: 'continue' } }, { wait_event: { event: 'b' } }]);
    unwrap(await engine.sendEvent(id, 'b'));
    await reached(id, 0);
    clock.advance(30_000);
    await succeeded(id);
  });

  it('two buffered events of the same name are consumed by two later waits, oldest first', async () => {
    const id = await start([{ wait_event: { event: 'a' } }, { wait_event: { event: 'b' } }, { noop: {} }, { wait_event: { event: 'b' } }]);
    unwrap(await engine.sendEvent(id, 'b'));
    unwrap(await engine.sendEvent(id, 'b'));
    unwrap(await engine.sendEvent(id, 'a'));
    const done = await succeeded(id);
    expect(done.status).toHaveLength(4);
  });
});
