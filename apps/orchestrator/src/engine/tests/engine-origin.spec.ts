import { connect, NatsConnection } from 'nats';
import { eventsStreamName } from '@wfp/contracts';
import { eventually, FakeClock, testNatsUrl, unwrap } from '@wfp/testing';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';
import { EngineService } from '../runtime/engine.service';

type Envelope = { type: string; payload: Record<string, unknown> };

/**
 * A start's origin (our extension) on real Postgres + NATS: stored with the instance, it is on every
 * instance-level lifecycle event (also those of a later transition, which loads it from the row);
 * FAILED_WORKFLOW says why it ended (`cause`).
 */
describe('engine: a start’s origin on lifecycle events, and FAILED_WORKFLOW’s cause', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  let nc: NatsConnection;
  const clock = new FakeClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    under = await startEngineUnderTest('engine_origin', { clock });
    engine = under.engine;
    nc = await connect({ servers: testNatsUrl() });
  });

  afterAll(async () => {
    await nc?.close();
    await under?.stop();
  });

  /** The instance's lifecycle events on the stream, once there are `count` of them. */
  async function eventsOf(instanceId: string, count: number): Promise<Envelope[]> {
    const jsm = await nc.jetstreamManager();
    const stream = eventsStreamName(under.namespace);
    return eventually(async () => {
      const info = await jsm.streams.info(stream);
      const events: Envelope[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
        if (msg) events.push(msg.json());
      }
      const mine = events.filter((e) => e.payload.instanceID === instanceId);
      return mine.length >= count ? mine : undefined;
    }, { what: `${count} lifecycle events of ${instanceId}` });
  }

  it('a failed instance started by a trigger: STARTED_WORKFLOW and FAILED_WORKFLOW carry triggerID and eventID, cause failed', async () => {
    // Fails at once: `${d}` is not set, so the delay has neither a duration nor an until.
    const fragile = unwrap(await engine.createWorkflow({ name: 'fragile', stages: [{ delay: { duration: '${d}' } }] }));
    const [result] = await engine.startManyInstances([
      {
        workflowId: fragile.id, variables: {}, idempotencyKey: 'trg-1:evt-1',
        origin: { triggerId: 'trg-1', eventId: 'evt-1' },
        // The trigger's cancel_on and the triggering event (engine-cancel-on.spec.ts acts on them).
        cancelOn: [{ event: 'order.cancelled' }], triggerEvent: { order: 'o-1' },
      } as Parameters<EngineService['startManyInstances']>[0][number],
    ]);
    expect(result.ok).toBe(true);
    const id = (result as { ok: true; data: { id: string; error?: string } }).data.id;
    expect((result as { ok: true; data: { error?: string } }).data.error).toBe('delay: exactly one of duration or until is required');
    const events = await eventsOf(id, 4);
    const started = events.find((e) => e.type === 'STARTED_WORKFLOW')!;
    const failed = events.find((e) => e.type === 'FAILED_WORKFLOW')!;
    expect(started.payload).toEqual({ id: fragile.id, instanceID: id, triggerID: 'trg-1', eventID: 'evt-1' });
    expect(failed.payload).toEqual({
      id: fragile.id, instanceID: id, triggerID: 'trg-1', eventID: 'evt-1',
      error: 'delay: exactly one of duration or until is required', cause: 'failed',
    });
    // Stage events carry the same context (a failure trigger may listen on them), and the cause.
    expect(events.find((e) => e.type === 'FAILED_WORKFLOW_STAGE')!.payload).toEqual({
      id: fragile.id, instanceID: id, number: 0, triggerID: 'trg-1', eventID: 'evt-1',
      error: 'delay: exactly one of duration or until is required', cause: 'failed',
    });
  });

  it('an aborted instance (the origin loaded back from its row): FAILED_WORKFLOW with cause canceled and the origin', async () => {
    const waiting = unwrap(await engine.createWorkflow({ name: 'waiting', stages: [{ wait_event: { event: 'go' } }] }));
    const [result] = await engine.startManyInstances([{ workflowId: waiting.id, variables: {}, origin: { triggerId: 'trg-2', eventId: 'evt-2' } }]);
    const id = (result as { ok: true; data: { id: string } }).data.id;
    unwrap(await engine.abort(id));
    const events = await eventsOf(id, 4);
    expect(events.find((e) => e.type === 'FAILED_WORKFLOW')!.payload).toEqual({
      id: waiting.id, instanceID: id, triggerID: 'trg-2', eventID: 'evt-2', error: 'canceled', cause: 'canceled',
    });
  });

  it('a schedule start (single start): scheduleID on STARTED_WORKFLOW and SUCCEEDED_WORKFLOW; no origin, no origin fields', async () => {
    const quick = unwrap(await engine.createWorkflow({ name: 'quick', stages: [{ noop: {} }] }));
    const scheduled = unwrap(await engine.startInstance(quick.id, {}, undefined, undefined, undefined, { scheduleId: 'sch-1' }));
    const events = await eventsOf(scheduled.id, 4);
    expect(events.find((e) => e.type === 'STARTED_WORKFLOW')!.payload).toEqual({ id: quick.id, instanceID: scheduled.id, scheduleID: 'sch-1' });
    expect(events.find((e) => e.type === 'SUCCEEDED_WORKFLOW')!.payload).toEqual({ id: quick.id, instanceID: scheduled.id, scheduleID: 'sch-1' });
    const plain = unwrap(await engine.startInstance(quick.id, {}));
    expect((await eventsOf(plain.id, 4)).find((e) => e.type === 'SUCCEEDED_WORKFLOW')!.payload).toEqual({ id: quick.id, instanceID: plain.id });
  });
});
