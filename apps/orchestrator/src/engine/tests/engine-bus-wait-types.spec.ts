import { randomUUID } from 'node:crypto';
import { AckPolicy, connect, DeliverPolicy, JetStreamManager, NatsConnection, StringCodec } from 'nats';
import { EventEnvelope, eventsStreamName, eventsSubjectRoot, eventSubject } from '@wfp/contracts';
import { busWaitDurableOf, busWaitDurables, eventually, testNatsUrl, unwrap } from '@wfp/testing';
import { Client } from 'pg';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';
import { LEGACY_BUS_WAIT_DURABLE } from '../runtime/bus-wait.consumer';

/**
 * The bus-wait consumer reads only the event types some wait, matcher or lookback has named
 * (store/bus-wait-types.ts), one durable per type, and misses no event a wait needs: not when its
 * durable is created after the wait began (a crash between the two, another replica's wait), not
 * when it takes over from the catch-all durable of earlier versions. Real Postgres + NATS.
 */
describe('engine: the bus-wait consumer reads only the waited event types (real Postgres + NATS)', () => {
  let under: EngineUnderTest;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let sql: Client;
  const sc = StringCodec();

  beforeAll(async () => {
    // Refreshes far apart: a durable appears only when this process records its type, or on a (re)start.
    under = await startEngineUnderTest('engine_wait_types', { env: { ORCHESTRATOR_BUS_WAIT_TYPES_REFRESH_MS: '600000' } });
    nc = await connect({ servers: testNatsUrl() });
    jsm = await nc.jetstreamManager();
    sql = new Client({ connectionString: under.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await nc?.close();
    await under?.stop();
  });

  const publish = async (type: string, payload: Record<string, unknown> = {}) => {
    const id = randomUUID();
    const envelope: EventEnvelope = { id, idempotency_key: id, date: new Date().toISOString(), app: 'tests', version: 'v1', type, payload };
    await nc.jetstream().publish(eventSubject(under.namespace, 'tests', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
  };
  const instance = async (id: string) => unwrap(await under.engine.getInstance(id));
  /** Starts an instance of `[wait_for_event type, noop]` and waits until its wait began. */
  const waitingFor = async (type: string) => {
    const workflow = unwrap(await under.engine.createWorkflow({ stages: [{ wait_for_event: { type, timeout: '1h' } }, { noop: {} }] }));
    const id = unwrap(await under.engine.startInstance(workflow.id, {})).id;
    await eventually(async () => (await sql.query(`SELECT 1 FROM orchestrator.bus_waits WHERE instance_id = $1`, [id])).rowCount === 1, { what: 'the wait began' });
    return id;
  };
  const succeeded = (id: string) => eventually(async () => (await instance(id)).terminated && !(await instance(id)).error, { what: `instance ${id} succeeded` });
  /** The type's durable, once this process created it (right after the commit that recorded the type). */
  const durableOf = (type: string) => eventually(() => busWaitDurableOf(jsm, under.namespace, type), { what: `the durable of ${type}` });
  const readTypes = async () => (await busWaitDurables(jsm, under.namespace)).map((info) => info.config.filter_subject).sort();

  it('reads no event type before any wait; a wait of a new type gets its durable before it can miss an event', async () => {
    expect(await readTypes()).toEqual([]);
    const id = await waitingFor('order.paid');
    // Published at once: the durable was created after the wait's commit, starting before it.
    await publish('order.paid');
    await succeeded(id);
    expect(await readTypes()).toEqual([`${eventsSubjectRoot(under.namespace)}.*.*.order.paid`]);
    const { rows } = await sql.query(`SELECT event_type FROM orchestrator.bus_wait_types`);
    expect(rows).toEqual([{ event_type: 'order.paid' }]);
  });

  it('never reads events of types no wait named (no durable, nothing delivered to the orchestrator)', async () => {
    await publish('order.shipped');
    await publish('STARTED_WORKFLOW');
    expect(await busWaitDurableOf(jsm, under.namespace, 'order.shipped')).toBeUndefined();
    const paid = await busWaitDurableOf(jsm, under.namespace, 'order.paid');
    expect(paid?.num_pending).toBe(0);
    expect(await readTypes()).toHaveLength(1);
  });

  it('a type recorded whose durable a crash left uncreated: the next start creates it from the type\'s `since`, and the event published meanwhile is matched', async () => {
    const id = await waitingFor('order.refunded');
    // As if the process died between the wait's commit and the durable's creation: no durable,
    // and the event arrives while the orchestrator is down.
    const durable = (await durableOf('order.refunded')).name;
    await under.restart(async () => {
      await jsm.consumers.delete(eventsStreamName(under.namespace), durable);
      await publish('order.refunded');
    });
    await succeeded(id);
  });

  it('a type another replica recorded is read at the next start (as at the next refresh)', async () => {
    await sql.query(`INSERT INTO orchestrator.bus_wait_types (event_type) VALUES ('order.disputed')`);
    expect(await busWaitDurableOf(jsm, under.namespace, 'order.disputed')).toBeUndefined();
    await under.restart();
    expect(await busWaitDurableOf(jsm, under.namespace, 'order.disputed')).toBeDefined();
  });

  it('takes over from the catch-all durable of earlier versions at its acknowledged position, then deletes it', async () => {
    const id = await waitingFor('order.expired');
    const stream = eventsStreamName(under.namespace);
    const durable = (await durableOf('order.expired')).name;
    // An earlier version's state: the catch-all durable (nothing of the wait's type acked yet) and no per-type durable.
    await under.restart(async () => {
      await jsm.consumers.delete(stream, durable);
      await jsm.consumers.add(stream, { durable_name: LEGACY_BUS_WAIT_DURABLE, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.New, filter_subject: `${eventsSubjectRoot(under.namespace)}.>` });
      await publish('order.expired');
    });
    await succeeded(id);
    await expect(jsm.consumers.info(stream, LEGACY_BUS_WAIT_DURABLE)).rejects.toThrow(/consumer not found/);
  });
});
