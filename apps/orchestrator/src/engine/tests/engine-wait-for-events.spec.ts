import { randomUUID } from 'node:crypto';
import { connect, NatsConnection, StringCodec } from 'nats';
import { EventEnvelope, eventSubject } from '@wfp/contracts';
import { eventually, testNatsUrl, unwrap } from '@wfp/testing';
import { Client } from 'pg';
import { EngineService } from '../runtime/engine.service';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';

/**
 * `wait_for_events` (issue 22) on real Postgres and NATS: events are collected from the
 * instance's start, so those published before the stage begins count; modes all / any / count(n);
 * at the deadline the partial output (what came, what is missing) is saved.
 */
describe('engine: wait_for_events', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  let nc: NatsConnection;
  let sql: Client;
  const sc = StringCodec();

  beforeAll(async () => {
    under = await startEngineUnderTest('engine_wait_for_events');
    engine = under.engine;
    nc = await connect({ servers: testNatsUrl() });
    sql = new Client({ connectionString: under.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await nc?.close();
    await under?.stop();
  });

  const instance = async (id: string) => unwrap(await engine.getInstance(id));
  const terminated = (id: string) =>
    eventually(async () => ((await instance(id)).terminated ? instance(id) : undefined), { what: `termination of ${id}`, timeoutMs: 20_000 });
  const start = async (stages: unknown[], variables: Record<string, string> = {}) => {
    const workflow = unwrap(await engine.createWorkflow({ stages }));
    return unwrap(await engine.start({ workflowId: workflow.id, variables })).id;
  };
  const collected = async (id: string) => Number((await sql.query(`SELECT count(*) AS n FROM orchestrator.collected_events WHERE instance_id = $1`, [id])).rows[0].n);
  /** A stage run's output as recorded (what `save_as` saved; the history shows the resolved input). */
  const outputOf = async (id: string, stage: number) =>
    (await sql.query(`SELECT output FROM orchestrator.stage_runs WHERE instance_id = $1 AND stage = $2`, [id, stage])).rows[0]?.output;
  const stageRuns = async (id: string) => (await sql.query(`SELECT stage, status FROM orchestrator.stage_runs WHERE instance_id = $1 ORDER BY stage`, [id])).rows;

  async function publish(type: string, payload: Record<string, unknown>, date = new Date()): Promise<string> {
    const id = randomUUID();
    const envelope: EventEnvelope = { id, idempotency_key: id, date: date.toISOString(), app: 'tests', version: 'v1', type, payload };
    await nc.jetstream().publish(eventSubject(under.namespace, 'tests', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
    return id;
  }

  it('refuses a malformed stage at create, naming the field', async () => {
    const refused = async (spec: unknown) => (await engine.createWorkflow({ stages: [{ wait_for_events: spec }] })) as { ok: boolean; error?: { code: string; message: string } };
    expect(await refused({ mode: 'most', events: [{ type: 'a.b' }] })).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringContaining("'mode'") } });
    expect(await refused({ events: [] })).toMatchObject({ ok: false, error: { message: expect.stringContaining("'events'") } });
    expect(await refused({ events: [{ type: 'a b' }] })).toMatchObject({ ok: false, error: { message: expect.stringContaining('events[0]') } });
    expect(await refused({ events: [{ type: 'a.b', if: 'event.x ==' }] })).toMatchObject({ ok: false, error: { message: expect.stringContaining('events[0]') } });
    expect(await refused({ events: [{ type: 'a.b' }], on_timeout: 'continue' })).toMatchObject({ ok: true });
  });

  it('all of 3, two published before the stage begins and one after: resumes once, with all three', async () => {
    const tag = randomUUID().slice(0, 8);
    const [paid, packed, labelled] = [`order.paid.${tag}`, `order.packed.${tag}`, `order.labelled.${tag}`];
    const id = await start(
      [
        { wait_event: { event: 'go' } },
        {
          wait_for_events: {
            events: [{ type: paid, if: 'event.order == vars.order' }, { type: packed, if: 'event.order == vars.order' }, { type: labelled }],
            save_as: 'ready',
          },
        },
        { publish: { type: `order.ready.${tag}`, payload: { paid_by: '${ready.events.0.by}', count: '${ready.count}' } } },
      ],
      { order: 'o-1' },
    );
    await publish(paid, { order: 'o-2', by: 'someone else' }); // another order: not collected
    await publish(paid, { order: 'o-1', by: 'card' });
    await publish(packed, { order: 'o-1' });
    await eventually(async () => (await collected(id)) === 2, { what: 'two events collected before the stage' });
    unwrap(await engine.sendEvent(id, 'go'));
    await eventually(async () => (await stageRuns(id)).some((r: { stage: number; status: string }) => r.stage === 1 && r.status === 'waiting'), { what: 'the stage waiting for the third' });
    expect((await instance(id)).terminated).toBe(false);
    await publish(labelled, { carrier: 'dhl' });
    const ended = await terminated(id);
    expect(ended.error).toBeUndefined();
    const history = unwrap(await engine.history(id));
    expect(history).toHaveLength(3);
    expect(await outputOf(id, 1)).toEqual({
      complete: true, count: 3, missing: [],
      events: { 0: { order: 'o-1', by: 'card' }, 1: { order: 'o-1' }, 2: { carrier: 'dhl' } },
    });
    expect(history[2].input).toEqual({ type: `order.ready.${tag}`, payload: { paid_by: 'card', count: '3' } });
    // Its matchers and what they collected went with the instance.
    expect(await collected(id)).toBe(0);
    expect((await sql.query(`SELECT 1 FROM orchestrator.collect_waits WHERE instance_id = $1`, [id])).rows).toEqual([]);
  });

  it('completes inline when every event came before the stage; any; count(n)', async () => {
    const tag = randomUUID().slice(0, 8);
    const [a, b] = [`a.${tag}`, `b.${tag}`];
    const early = await start([{ wait_event: { event: 'go' } }, { wait_for_events: { events: [{ type: a }, { type: b }] } }]);
    const any = await start([{ wait_for_events: { mode: 'any', events: [{ type: a }, { type: b }] } }]);
    const two = await start([{ wait_for_events: { mode: 'count(2)', events: [{ type: a }, { type: b }] } }]);
    await publish(b, { n: 1 });
    expect((await terminated(any)).error).toBeUndefined();
    expect((await instance(two)).terminated).toBe(false);
    await publish(b, { n: 2 });
    expect((await terminated(two)).error).toBeUndefined();
    expect(await outputOf(two, 0)).toMatchObject({ complete: true, count: 2, missing: [0], events: { 1: { n: 1 } } });
    await publish(a, { n: 3 });
    await eventually(async () => (await collected(early)) === 3, { what: 'the early instance collected all three' });
    unwrap(await engine.sendEvent(early, 'go'));
    const ended = await instance(early);
    expect(ended.terminated).toBe(true); // completed inline, in the sendEvent's transition
    expect(await outputOf(early, 1)).toMatchObject({ complete: true, count: 3, missing: [] });
  });

  it('at the deadline saves the partial result and the missing matchers (continue), or fails with them (fail)', async () => {
    const tag = randomUUID().slice(0, 8);
    const [a, b] = [`a.${tag}`, `b.${tag}`];
    const partial = await start([
      { wait_for_events: { events: [{ type: a }, { type: b }], timeout: '1s', save_as: 'got' } },
      { publish: { type: `partial.${tag}`, payload: { complete: '${got.complete}', first: '${got.events.0.n}' } } },
    ]);
    const failing = await start([{ wait_for_events: { events: [{ type: a }, { type: b }], timeout: '1s', on_timeout: 'fail' } }]);
    await publish(a, { n: 7 });
    await eventually(async () => (await collected(partial)) === 1 && (await collected(failing)) === 1, { what: 'one event each' });
    const continued = await terminated(partial);
    expect(continued.error).toBeUndefined();
    const history = unwrap(await engine.history(partial));
    expect(await outputOf(partial, 0)).toEqual({ complete: false, count: 1, events: { 0: { n: 7 } }, missing: [1] });
    expect(history[1].input).toEqual({ type: `partial.${tag}`, payload: { complete: 'false', first: '7' } });
    const failed = await terminated(failing);
    expect(failed.error).toBe('timeout');
    expect(unwrap(await engine.history(failing))[0]).toMatchObject({ error: 'timeout' });
    expect(await outputOf(failing, 0)).toMatchObject({ complete: false, missing: [1] });
  });
});
