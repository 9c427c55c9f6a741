import { connect, NatsConnection } from 'nats';
import { eventsStreamName, WorkflowInstance } from '@wfp/contracts';
import { eventually, FakeClock, testNatsUrl, unwrap } from '@wfp/testing';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';
import { EngineService } from '../runtime/engine.service';

describe('workflow engine (real Postgres + NATS, fake clock)', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  const clock = new FakeClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    under = await startEngineUnderTest('engine', { clock });
    engine = under.engine;
  });

  afterAll(async () => {
    await under?.stop();
  });

  const instance = async (id: string) => unwrap(await engine.getInstance(id));
  const terminated = (id: string) => eventually(async () => ((await instance(id)).terminated ? instance(id) : undefined), { what: 'termination' });

  it('runs delay then wait_event durably, driven by the clock and an event', async () => {
    const workflow = unwrap(
      await engine.createWorkflow({ name: 'w', stages: [{ delay: { duration: '1m' } }, { wait_event: { event: '${ev}' } }, { noop: {} }] }),
    );
    const started = unwrap(await engine.startInstance(workflow.id, { ev: 'go' }));
    expect(started.terminated).toBe(false);
    await eventually(async () => (await instance(started.id)).status?.length === 1, { what: 'delay started' });
    await new Promise((r) => setTimeout(r, 100));
    expect((await instance(started.id)).status).toHaveLength(1); // still sleeping: the clock did not move
    clock.advance(60_000);
    await eventually(async () => (await instance(started.id)).status?.length === 2, { what: 'wait_event started' });
    unwrap(await engine.sendEvent(started.id, 'other')); // ignored (buffered)
    await new Promise((r) => setTimeout(r, 100));
    expect((await instance(started.id)).terminated).toBe(false);
    unwrap(await engine.sendEvent(started.id, 'go'));
    const done: WorkflowInstance = await terminated(started.id);
    expect(done.error).toBeUndefined();
    expect(done.status?.map((s) => [s.stage, !!s.terminatedAt, s.error])).toEqual([
      [0, true, undefined],
      [1, true, undefined],
      [2, true, undefined],
    ]);
    expect(new Date(done.status![1].startedAt).getTime() - new Date(done.status![0].startedAt).getTime()).toBe(60_000);
    const history = unwrap(await engine.history(started.id));
    expect(history.map((h) => [h.name, h.input])).toEqual([
      ['RunDelay', { duration: '1m0s' }],
      ['RunWaitEvent', { event: 'go' }],
      ['RunNoop', {}],
    ]);
    expect(unwrap(await engine.stageHistory(started.id, 1))).toEqual([]);
    // Terminated: sending an event is an error.
    expect(await engine.sendEvent(started.id, 'go')).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('buffers an event sent before its wait_event', async () => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ delay: { duration: '10s' } }, { wait_event: { event: 'early' } }] }));
    const started = unwrap(await engine.startInstance(workflow.id, {}));
    unwrap(await engine.sendEvent(started.id, 'early'));
    clock.advance(10_000);
    const done = await terminated(started.id);
    expect(done.error).toBeUndefined();
  });

  it('fails the instance at the first failing stage (run-time validation)', async () => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ noop: {} }, { delay: { duration: '${d}', until: '${u}' } }, { noop: {} }] }));
    const started = unwrap(await engine.startInstance(workflow.id, {}));
    const done = await terminated(started.id);
    expect(done.error).toBe('delay: exactly one of duration or until is required');
    expect(done.status).toHaveLength(2);
    expect(done.status![1].error).toBe(done.error);
    expect(unwrap(await engine.history(started.id)).map((h) => h.name)).toEqual(['RunNoop']);
  });

  it('aborts a waiting instance with error "canceled"; aborting again is an error', async () => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ wait_event: { event: 'never' } }] }));
    const started = unwrap(await engine.startInstance(workflow.id, {}));
    await eventually(async () => (await instance(started.id)).status?.length === 1);
    unwrap(await engine.abort(started.id));
    const done = await instance(started.id);
    expect(done).toMatchObject({ terminated: true, error: 'canceled' });
    expect(done.status![0].error).toBe('canceled');
    expect(await engine.abort(started.id)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('starts once per idempotency key, even concurrently', async () => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ noop: {} }] }));
    const replies = await Promise.all(Array.from({ length: 8 }, () => engine.startInstance(workflow.id, {}, 'key-1')));
    const ids = new Set(replies.map((r) => unwrap(r).id));
    expect(ids.size).toBe(1);
    unwrap(await engine.deleteWorkflow(workflow.id));
    unwrap(await engine.deleteWorkflow(workflow.id)); // twice: still fine
    expect(unwrap(await engine.startInstance(workflow.id, {}, 'key-1')).id).toEqual([...ids][0]);
    expect(await engine.startInstance(workflow.id, {}, 'key-2')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(unwrap(await engine.getWorkflow(workflow.id)).deletedAt).toBeDefined();
    expect(await engine.getWorkflow('00000000-0000-4000-8000-000000000000')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await engine.listWorkflows()).map((w) => w.id)).not.toContain(workflow.id);
    expect((await engine.listInstances({})).map((i) => i.workflowID)).not.toContain(workflow.id);
  });

  it('rejects structurally invalid configs at create', async () => {
    for (const config of [
      { stages: [{}] },
      { stages: [{ noop: {}, delay: {} }] },
      { stages: [{ nope: {} }] },
      { stages: [{ delay: { duration: '5 minutes' } }] },
      { stages: [{ delay: { until: 'tomorrow' } }] },
      { stages: 'x' },
      [],
    ]) {
      expect(await engine.createWorkflow(config)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });

  it('publishes lifecycle events with Formance payloads to JetStream', async () => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ noop: {} }] }));
    const started = unwrap(await engine.startInstance(workflow.id, {}));
    await terminated(started.id);
    const nc: NatsConnection = await connect({ servers: testNatsUrl() });
    try {
      const jsm = await nc.jetstreamManager();
      const found = await eventually(async () => {
        const info = await jsm.streams.info(eventsStreamName(under.namespace));
        const events: Array<{ type: string; app: string; version: string; payload: Record<string, unknown> }> = [];
        for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
          const msg = await jsm.streams.getMessage(eventsStreamName(under.namespace), { seq }).catch(() => undefined);
          if (msg) events.push(msg.json());
        }
        const mine = events.filter((e) => e.payload.instanceID === started.id);
        return mine.length === 4 ? mine : undefined;
      }, { what: 'four lifecycle events' });
      expect(found.map((e) => e.type)).toEqual([
        'STARTED_WORKFLOW',
        'STARTED_WORKFLOW_STAGE',
        'SUCCEEDED_WORKFLOW_STAGE',
        'SUCCEEDED_WORKFLOW',
      ]);
      expect(found.every((e) => e.app === 'orchestration' && e.version === 'v2')).toBe(true);
      expect(found[1].payload).toEqual({ id: workflow.id, instanceID: started.id, number: 0 });
      expect(found[3].payload).toEqual({ id: workflow.id, instanceID: started.id });
    } finally {
      await nc.close();
    }
  });
});
