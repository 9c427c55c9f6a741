import { DataSource } from 'typeorm';
import { EventEnvelope, Trigger, TriggerFlowState, TriggerOccurrence } from '@wfp/contracts';
import { eventually, FakeClock, unwrap } from '@wfp/testing';
import { TriggersController } from '../formance/triggers.controller';
import { TriggersService } from '../formance/triggers.service';
import { FakeOrchestrator } from '../../test/fake-orchestrator';
import { startTriggersUnderTest, TriggersUnderTest } from '../../test/triggers-under-test';

/**
 * Concurrency rules of scope `workflow` (slots shared by the triggers of a workflow declaring the
 * same rule) against real Postgres and JetStream, the fake orchestrator answering starts, the
 * test playing the instance ends (SUCCEEDED_WORKFLOW on the bus) and a FakeClock.
 */
describe('flow control: concurrency shared per workflow (scope workflow; real Postgres + NATS, fake orchestrator)', () => {
  let under: TriggersUnderTest;
  let orchestrator: FakeOrchestrator;
  let triggers: TriggersService;
  let db: DataSource;
  const clock = new FakeClock('2026-03-01T00:00:00Z');

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_flow_scope', {}, { clock });
    orchestrator = under.orchestrator;
    triggers = under.app.get(TriggersService);
    db = under.app.get(DataSource);
  });

  afterAll(async () => {
    await under?.stop();
  });

  const publish = (type: string, payload: Record<string, unknown>, app?: string, version?: string) => under.publish(type, payload, app, version);
  const endInstance = (instanceId: string) => under.endInstance(instanceId);
  const create = async (data: Record<string, unknown>): Promise<Trigger> => unwrap(await triggers.create(data));
  const occurrences = async (triggerId: string): Promise<TriggerOccurrence[]> => unwrap(await triggers.listOccurrences(triggerId));
  const instancesOf = (workflowId: string) => [...orchestrator.instances.values()].filter((i) => i.workflowID === workflowId);
  const running = (workflowId: string, filter: { tenant?: string; via?: string } = {}) =>
    instancesOf(workflowId).filter(
      (i) => !i.terminated && (filter.tenant === undefined || i.variables.tenant === filter.tenant) && (filter.via === undefined || i.variables.via === filter.via),
    );
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const slotsOf = async (workflowId: string): Promise<number> =>
    (await db.query(`SELECT count(*)::int AS n FROM triggers.flow_slots WHERE workflow_id = $1`, [workflowId]))[0].n;
  const flowState = async (id: string): Promise<TriggerFlowState> => unwrap(await under.app.get(TriggersController).flowState({ id }));
  const shared = (limit: number) => ({ key: 'vars.tenant', limit, scope: 'workflow' });
  const vars = (via: string) => ({ tenant: 'event.tenant', via: `"${via}"` });

  it('validates scope: read back as given, a bad one or cancel_oldest with scope workflow is a 400 naming the field', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await create({ event: 'SCOPE_VALID', workflowID: workflow.id, policy: { concurrency: [shared(2), { limit: 1 }] } });
    expect(trigger.policy!.concurrency).toEqual([
      { key: 'vars.tenant', limit: 2, hold: 'running', on_full: 'queue', scope: 'workflow' },
      { limit: 1, hold: 'running', on_full: 'queue' },
    ]);
    const error = async (policy: unknown) => {
      const reply = await triggers.create({ event: 'SCOPE_VALID', workflowID: workflow.id, policy });
      if (reply.ok) throw new Error('expected an error');
      return reply.error;
    };
    const bad = await error({ concurrency: [{ limit: 1, scope: 'fn' }] });
    expect(bad.code).toBe('VALIDATION');
    expect(bad.message).toMatch(/^validating data: policy\.concurrency\[0\]\.scope: /);
    expect(await error({ concurrency: [{ limit: 1, scope: 'workflow', on_full: 'cancel_oldest' }] })).toEqual({
      code: 'VALIDATION',
      message: 'validating data: policy.concurrency[0].on_full: cancel_oldest is not offered with scope workflow',
    });
  });

  it('two triggers, 2 per tenant shared: 10 events for A on each at once → never more than 2 of A across both, all 20 once, no slot leaked', async () => {
    const workflow = orchestrator.addWorkflow();
    const t1 = await create({ event: 'SCOPE_1', workflowID: workflow.id, vars: vars('t1'), policy: { concurrency: [shared(2)] } });
    const t2 = await create({ event: 'SCOPE_2', workflowID: workflow.id, vars: vars('t2'), policy: { concurrency: [shared(2)] } });
    await Promise.all(Array.from({ length: 20 }, (_, n) => publish(n % 2 === 0 ? 'SCOPE_1' : 'SCOPE_2', { tenant: 'A', n })));

    // Everything decided: 2 admitted, 18 queued for the shared slots of A — both triggers' flow state show the shared key.
    const state = await eventually(async () => {
      const [s1, s2] = [await flowState(t1.id), await flowState(t2.id)];
      const want = JSON.stringify([{ rule: 0, key: 'A', running: 2, active: 2, queued: 18, scope: 'workflow' }]);
      return JSON.stringify(s1.slots) === want && JSON.stringify(s2.slots) === want ? [s1, s2] : undefined;
    }, { what: 'A: 2 running, 18 queued, shared by both triggers', timeoutMs: 20_000 });
    // Each trigger's `queues` are its own: together the 18 waiting.
    expect(state[0].queues.reduce((n, q) => n + q.queued, 0) + state[1].queues.reduce((n, q) => n + q.queued, 0)).toBe(18);
    await sleep(300);
    expect(running(workflow.id, { tenant: 'A' })).toHaveLength(2);

    // Play the orchestrator: end the oldest running instance, one at a time; sample the running count.
    let maxA = 0;
    const deadline = Date.now() + 60_000;
    while (instancesOf(workflow.id).filter((i) => i.terminated).length < 20) {
      if (Date.now() > deadline) throw new Error(`only ${instancesOf(workflow.id).length} started`);
      maxA = Math.max(maxA, running(workflow.id, { tenant: 'A' }).length);
      const [oldest] = running(workflow.id);
      if (oldest) await endInstance(oldest.id);
      clock.advance(100);
      await sleep(30);
      maxA = Math.max(maxA, running(workflow.id, { tenant: 'A' }).length);
    }
    expect(maxA).toBe(2);
    expect(instancesOf(workflow.id)).toHaveLength(20);
    expect(instancesOf(workflow.id).filter((i) => i.variables.via === 't1')).toHaveLength(10);
    const waited: Array<string | null> = [];
    for (const trigger of [t1, t2]) {
      const list = await eventually(async () => {
        const l = await occurrences(trigger.id);
        return l.length === 10 && l.every((o) => o.outcome === 'started') ? l : undefined;
      }, { what: `the 10 occurrences of ${trigger.event} started` });
      expect(new Set(list.map((o) => o.workflowInstanceID)).size).toBe(10);
      waited.push(...list.map((o) => o.reason ?? null));
    }
    // The 18 that waited for the shared slots say so (the first two never waited).
    expect(waited.filter((r) => r === 'concurrency')).toHaveLength(18);
    // Each start once: one instance per (trigger, event).
    expect(new Set(orchestrator.starts.filter((s) => s.workflowId === workflow.id).map((s) => s.idempotencyKey)).size).toBe(20);
    await eventually(async () => ((await slotsOf(workflow.id)) === 0 ? true : undefined), { what: 'every shared slot freed' });
    expect((await flowState(t1.id)).slots).toEqual([]);

    // No slot leaked: A reaches exactly 2 running again, whichever trigger.
    for (let n = 0; n < 3; n++) await publish('SCOPE_1', { tenant: 'A', n: 100 + n });
    await publish('SCOPE_2', { tenant: 'A', n: 200 });
    await eventually(async () => (running(workflow.id, { tenant: 'A' }).length === 2 ? true : undefined), { what: 'two of A running again' });
    await sleep(500);
    expect(running(workflow.id, { tenant: 'A' })).toHaveLength(2);
    for (const instance of running(workflow.id)) await endInstance(instance.id);
    await eventually(async () => (running(workflow.id).length === 2 ? true : undefined), { what: 'the last two' });
    for (const instance of running(workflow.id)) await endInstance(instance.id);
    await eventually(async () => ((await slotsOf(workflow.id)) === 0 ? true : undefined), { what: 'every slot freed again' });
  }, 120_000);

  it('two replicas, two triggers sharing 2 per tenant: the limit holds across replicas and triggers, every start once, no slot leaked', async () => {
    const replica = await under.startReplica();
    try {
      const workflow = orchestrator.addWorkflow();
      const t1 = await create({ event: 'SCOPE_REPLICA_1', workflowID: workflow.id, vars: vars('t1'), policy: { concurrency: [shared(2)] } });
      const t2 = await create({ event: 'SCOPE_REPLICA_2', workflowID: workflow.id, vars: vars('t2'), policy: { concurrency: [shared(2)] } });
      await Promise.all(Array.from({ length: 30 }, (_, n) => publish(n % 2 === 0 ? 'SCOPE_REPLICA_1' : 'SCOPE_REPLICA_2', { tenant: n % 3 === 0 ? 'B' : 'A', n })));
      let maxA = 0;
      let maxB = 0;
      const deadline = Date.now() + 60_000;
      while (instancesOf(workflow.id).filter((i) => i.terminated).length < 30) {
        if (Date.now() > deadline) throw new Error(`only ${instancesOf(workflow.id).length} started`);
        maxA = Math.max(maxA, running(workflow.id, { tenant: 'A' }).length);
        maxB = Math.max(maxB, running(workflow.id, { tenant: 'B' }).length);
        const [oldest] = running(workflow.id);
        if (oldest) await endInstance(oldest.id);
        await sleep(20);
      }
      expect([maxA, maxB]).toEqual([2, 2]);
      expect(instancesOf(workflow.id)).toHaveLength(30);
      await eventually(async () => ((await slotsOf(workflow.id)) === 0 ? true : undefined), { what: 'every shared slot freed' });
      const list = [...(await occurrences(t1.id)), ...(await occurrences(t2.id))];
      expect(list).toHaveLength(30);
      expect(list.every((o) => o.outcome === 'started')).toBe(true);
      expect(new Set(list.map((o) => o.workflowInstanceID)).size).toBe(30);
    } finally {
      await replica.close();
    }
  }, 90_000);

  it('a slot freed by either trigger admits the oldest queued start of either (limit 1 shared, starts in queue order)', async () => {
    const workflow = orchestrator.addWorkflow();
    await create({ event: 'SCOPE_ORDER_1', workflowID: workflow.id, vars: vars('t1'), policy: { concurrency: [shared(1)] } });
    await create({ event: 'SCOPE_ORDER_2', workflowID: workflow.id, vars: vars('t2'), policy: { concurrency: [shared(1)] } });
    const order = ['t1', 't1', 't2', 't1', 't2', 't2'];
    const sent: EventEnvelope[] = [];
    for (const [n, via] of order.entries()) {
      sent.push(await publish(via === 't1' ? 'SCOPE_ORDER_1' : 'SCOPE_ORDER_2', { tenant: 'A', n }));
      // Queued one after the other (enqueue times 1 s apart).
      await eventually(async () => {
        const [{ n: queued }] = await db.query(`SELECT count(*)::int AS n FROM triggers.flow_queue WHERE workflow_id = $1`, [workflow.id]);
        return queued + instancesOf(workflow.id).length === n + 1 ? true : undefined;
      }, { what: `event ${n} queued` });
      clock.advance(1000);
    }
    for (let i = 0; i < order.length; i++) {
      const [current] = await eventually(async () => {
        const r = running(workflow.id);
        return r.length === 1 ? r : undefined;
      }, { what: `start ${i}` });
      await sleep(100);
      expect(running(workflow.id)).toHaveLength(1);
      await endInstance(current.id);
      await eventually(async () => (running(workflow.id).length === 0 || running(workflow.id)[0].id !== current.id ? true : undefined), { what: 'the end seen' });
    }
    // The instances in the order they were created: the order the events were queued, across both triggers.
    const created = instancesOf(workflow.id).map((i) => i.variables.via);
    expect(created).toEqual(order);
    await eventually(async () => ((await slotsOf(workflow.id)) === 0 ? true : undefined), { what: 'every slot freed' });
  }, 90_000);

  it('a trigger-scoped rule beside a shared one still counts per trigger; a trigger of the workflow without the shared rule is apart', async () => {
    const workflow = orchestrator.addWorkflow();
    // At most 3 of a tenant across t1 and t2, at most 2 of them per trigger; t3 (its own limit 2) shares nothing.
    const policy = { concurrency: [shared(3), { key: 'vars.tenant', limit: 2 }] };
    const t1 = await create({ event: 'SCOPE_MIX_1', workflowID: workflow.id, vars: vars('t1'), policy });
    const t2 = await create({ event: 'SCOPE_MIX_2', workflowID: workflow.id, vars: vars('t2'), policy });
    const t3 = await create({ event: 'SCOPE_MIX_3', workflowID: workflow.id, vars: vars('t3'), policy: { concurrency: [{ key: 'vars.tenant', limit: 2 }] } });
    await Promise.all([
      ...Array.from({ length: 6 }, (_, n) => publish('SCOPE_MIX_1', { tenant: 'A', n })),
      ...Array.from({ length: 6 }, (_, n) => publish('SCOPE_MIX_2', { tenant: 'A', n })),
      ...Array.from({ length: 4 }, (_, n) => publish('SCOPE_MIX_3', { tenant: 'A', n })),
    ]);
    const all = async () => [...(await occurrences(t1.id)), ...(await occurrences(t2.id)), ...(await occurrences(t3.id))];
    await eventually(async () => ((await all()).length === 16 && running(workflow.id).length === 5 ? true : undefined), { what: '3 shared + 2 of t3 running' });
    await sleep(300);
    const count = () => ({ t1: running(workflow.id, { via: 't1' }).length, t2: running(workflow.id, { via: 't2' }).length, t3: running(workflow.id, { via: 't3' }).length });
    let c = count();
    expect(c.t1 + c.t2).toBe(3);
    expect(Math.max(c.t1, c.t2)).toBe(2);
    expect(c.t3).toBe(2);
    // t1's flow state: the shared rule counts both triggers, its own rule only its own.
    const s1 = await flowState(t1.id);
    expect(s1.slots.find((s) => s.rule === 0)).toMatchObject({ key: 'A', running: 3, queued: 9, scope: 'workflow' });
    expect(s1.slots.find((s) => s.rule === 1)).toMatchObject({ key: 'A', running: c.t1, queued: 6 - c.t1 });
    expect(s1.slots.find((s) => s.rule === 1)).not.toHaveProperty('scope');

    const deadline = Date.now() + 60_000;
    while (instancesOf(workflow.id).filter((i) => i.terminated).length < 16) {
      if (Date.now() > deadline) throw new Error(`only ${instancesOf(workflow.id).length} started`);
      c = count();
      expect(c.t1 + c.t2).toBeLessThanOrEqual(3);
      expect(Math.max(c.t1, c.t2, c.t3)).toBeLessThanOrEqual(2);
      const [oldest] = running(workflow.id);
      if (oldest) await endInstance(oldest.id);
      clock.advance(100);
      await sleep(30);
    }
    expect(instancesOf(workflow.id)).toHaveLength(16);
    await eventually(async () => ((await all()).every((o) => o.outcome === 'started') ? true : undefined), { what: 'all 16 started' });
    await eventually(async () => ((await slotsOf(workflow.id)) === 0 ? true : undefined), { what: 'every slot freed' });
  }, 120_000);
});
