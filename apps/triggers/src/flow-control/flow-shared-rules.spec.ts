import { NatsConnection, StringCodec } from 'nats';
import { DataSource } from 'typeorm';
import { EventEnvelope, eventsStreamName, Trigger, TriggerOccurrence } from '@wfp/contracts';
import { eventually, FakeClock, unwrap } from '@wfp/testing';
import { TriggersService } from '../formance/triggers.service';
import { FakeOrchestrator } from '../../test/fake-orchestrator';
import { startTriggersUnderTest, TriggersUnderTest } from '../../test/triggers-under-test';
import { AdmissionService } from './admission.service';

/**
 * Rate limit, throttle and singleton of scope `workflow` (state shared by the triggers of a
 * workflow declaring the same rule) against real Postgres and JetStream, the fake orchestrator
 * answering starts and aborts, the test playing the instance ends and a FakeClock.
 */
describe('flow control: rate limit, throttle and singleton shared per workflow (scope workflow; real Postgres + NATS)', () => {
  let under: TriggersUnderTest;
  let nc: NatsConnection;
  let orchestrator: FakeOrchestrator;
  let triggers: TriggersService;
  let admission: AdmissionService;
  let db: DataSource;
  const clock = new FakeClock('2026-03-01T00:00:00Z');
  const sc = StringCodec();

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_flow_shared', {}, { clock });
    ({ nc, orchestrator } = under);
    triggers = under.app.get(TriggersService);
    admission = under.app.get(AdmissionService);
    db = under.app.get(DataSource);
  });

  afterAll(async () => {
    await under?.stop();
  });

  const publish = (type: string, payload: Record<string, unknown>, app?: string, version?: string) => under.publish(type, payload, app, version);
  const endInstance = (instanceId: string) => under.endInstance(instanceId);
  const create = async (data: Record<string, unknown>): Promise<Trigger> => unwrap(await triggers.create(data));
  const occurrences = async (triggerId: string): Promise<TriggerOccurrence[]> => unwrap(await triggers.listOccurrences(triggerId));
  /** The occurrences of several triggers once `ok` holds for them together. */
  const occurrencesWhen = (triggerIds: string[], what: string, ok: (list: TriggerOccurrence[]) => boolean) =>
    eventually(async () => {
      const list = (await Promise.all(triggerIds.map(occurrences))).flat();
      return ok(list) ? list : undefined;
    }, { what, timeoutMs: 20_000 });
  const byEvent = (list: TriggerOccurrence[], envelope: EventEnvelope) => list.find((o) => o.event.id === envelope.id)!;
  const outcomeOf = (o: TriggerOccurrence) => `${o.outcome}${o.reason ? `(${o.reason})` : ''}`;
  const instancesOf = (workflowId: string) => [...orchestrator.instances.values()].filter((i) => i.workflowID === workflowId);
  const vars = (via: string) => ({ via: `"${via}"` });

  async function decisionEvents(triggerIds: string[]): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
    const jsm = await nc.jetstreamManager();
    const stream = eventsStreamName(under.namespace);
    const info = await jsm.streams.info(stream);
    const out: Array<{ type: string; payload: Record<string, unknown> }> = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (!msg) continue;
      const envelope = JSON.parse(sc.decode(msg.data)) as EventEnvelope;
      if (envelope.type.startsWith('trigger.occurrence.') && triggerIds.includes(String(envelope.payload.triggerID))) out.push({ type: envelope.type, payload: envelope.payload });
    }
    return out;
  }

  it('validates scope on throttle, rate_limit and singleton: read back as given (absent when not given), a bad one is a 400 naming the field', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await create({
      event: 'SHARED_VALID',
      workflowID: workflow.id,
      policy: {
        throttle: { limit: 2, period: '1m', scope: 'workflow' },
        rate_limit: { limit: 1, period: '1h', scope: 'trigger' },
        singleton: { key: 'event.account', scope: 'workflow' },
      },
    });
    expect(trigger.policy).toEqual({
      throttle: { limit: 2, period: '1m', burst: 0, scope: 'workflow' },
      rate_limit: { limit: 1, period: '1h', scope: 'trigger' },
      singleton: { key: 'event.account', mode: 'skip', scope: 'workflow' },
    });
    const plain = await create({ event: 'SHARED_VALID', workflowID: workflow.id, policy: { throttle: { limit: 2, period: '1m' }, singleton: {} } });
    expect(plain.policy).toEqual({ throttle: { limit: 2, period: '1m', burst: 0 }, singleton: { mode: 'skip' } });
    const error = async (policy: unknown) => {
      const reply = await triggers.create({ event: 'SHARED_VALID', workflowID: workflow.id, policy });
      if (reply.ok) throw new Error('expected an error');
      return reply.error;
    };
    for (const [field, policy] of [
      ['rate_limit', { rate_limit: { limit: 1, period: '1h', scope: 'fn' } }],
      ['throttle', { throttle: { limit: 1, period: '1h', scope: 'fn' } }],
      ['singleton', { singleton: { scope: 'fn' } }],
    ] as const) {
      const bad = await error(policy);
      expect(bad.code).toBe('VALIDATION');
      expect(bad.message).toMatch(new RegExp(`^validating data: policy\\.${field}\\.scope: `));
    }
  });

  describe('rate limit 1 per hour per customer, two triggers on one workflow, events alternating between them', () => {
    const rule = (scope?: string) => ({ rate_limit: { key: 'event.customer', limit: 1, period: '1h', ...(scope ? { scope } : {}) } });

    it('scope workflow: exactly 1 start across both, the rest skipped(rate_limited), each decision once on the bus', async () => {
      const workflow = orchestrator.addWorkflow();
      const t1 = await create({ event: 'RATE_W_1', workflowID: workflow.id, vars: vars('t1'), policy: rule('workflow') });
      const t2 = await create({ event: 'RATE_W_2', workflowID: workflow.id, vars: vars('t2'), policy: rule('workflow') });
      // Concurrent batches: every event at once.
      await Promise.all(Array.from({ length: 10 }, (_, n) => publish(n % 2 === 0 ? 'RATE_W_1' : 'RATE_W_2', { customer: 'c1', n })));
      const list = await occurrencesWhen([t1.id, t2.id], '10 decided', (l) => l.length === 10 && l.every((o) => o.outcome === 'started' || o.outcome === 'skipped'));
      expect(list.filter((o) => o.outcome === 'started')).toHaveLength(1);
      expect(list.filter((o) => o.outcome === 'skipped').map((o) => o.reason)).toEqual(Array(9).fill('rate_limited'));
      expect(instancesOf(workflow.id)).toHaveLength(1);
      const events = await eventually(async () => {
        const found = await decisionEvents([t1.id, t2.id]);
        return found.length === 10 ? found : undefined;
      }, { what: 'the 10 decisions on the bus' });
      expect(new Set(events.map((e) => e.payload.id)).size).toBe(10);
      // Another customer has its own budget; after the hour, c1 has room again — through either trigger.
      await publish('RATE_W_2', { customer: 'c2' });
      await occurrencesWhen([t1.id, t2.id], 'c2 started', (l) => l.filter((o) => o.outcome === 'started').length === 2);
      clock.advance(3_600_000);
      await publish('RATE_W_2', { customer: 'c1' });
      await publish('RATE_W_1', { customer: 'c1' });
      const after = await occurrencesWhen([t1.id, t2.id], 'the 2 of after the hour decided', (l) => l.length === 13 && l.every((o) => o.outcome !== 'queued'));
      expect(after.filter((o) => o.outcome === 'started')).toHaveLength(3);
      expect(after.filter((o) => o.outcome === 'skipped')).toHaveLength(10);
    });

    it('scope workflow with two replicas: still exactly 1 start across both triggers', async () => {
      const replica = await under.startReplica();
      try {
        const workflow = orchestrator.addWorkflow();
        const t1 = await create({ event: 'RATE_R_1', workflowID: workflow.id, vars: vars('t1'), policy: rule('workflow') });
        const t2 = await create({ event: 'RATE_R_2', workflowID: workflow.id, vars: vars('t2'), policy: rule('workflow') });
        await Promise.all(Array.from({ length: 20 }, (_, n) => publish(n % 2 === 0 ? 'RATE_R_1' : 'RATE_R_2', { customer: 'c1', n })));
        const list = await occurrencesWhen([t1.id, t2.id], '20 decided', (l) => l.length === 20 && l.every((o) => o.outcome === 'started' || o.outcome === 'skipped'));
        expect(list.filter((o) => o.outcome === 'started')).toHaveLength(1);
        expect(list.filter((o) => o.reason === 'rate_limited')).toHaveLength(19);
        expect(instancesOf(workflow.id)).toHaveLength(1);
      } finally {
        await replica.close();
      }
    }, 60_000);

    it('scope trigger (the default): each trigger gets its own 1', async () => {
      const workflow = orchestrator.addWorkflow();
      const t1 = await create({ event: 'RATE_T_1', workflowID: workflow.id, vars: vars('t1'), policy: rule() });
      const t2 = await create({ event: 'RATE_T_2', workflowID: workflow.id, vars: vars('t2'), policy: rule() });
      await Promise.all(Array.from({ length: 10 }, (_, n) => publish(n % 2 === 0 ? 'RATE_T_1' : 'RATE_T_2', { customer: 'c1', n })));
      const list = await occurrencesWhen([t1.id, t2.id], '10 decided', (l) => l.length === 10 && l.every((o) => o.outcome === 'started' || o.outcome === 'skipped'));
      const started = list.filter((o) => o.outcome === 'started');
      expect(started.map((o) => o.triggerID).sort()).toEqual([t1.id, t2.id].sort());
      expect(list.filter((o) => o.reason === 'rate_limited')).toHaveLength(8);
    });
  });

  it('throttle scope workflow, 1 per 10 s: one bucket across both triggers, queued starts admitted FIFO across them at the rule’s rate', async () => {
    const workflow = orchestrator.addWorkflow();
    const throttle = { limit: 1, period: '10s', scope: 'workflow' };
    const t1 = await create({ event: 'THROTTLE_W_1', workflowID: workflow.id, vars: vars('t1'), policy: { throttle } });
    const t2 = await create({ event: 'THROTTLE_W_2', workflowID: workflow.id, vars: vars('t2'), policy: { throttle } });
    const ids = [t1.id, t2.id];
    const t0 = clock.now().getTime();
    const order = ['t2', 't1', 't1', 't2', 't1'];
    for (const [n, via] of order.entries()) {
      await publish(via === 't1' ? 'THROTTLE_W_1' : 'THROTTLE_W_2', { n });
      // Queued one after the other (the first admitted at once, the others waiting for the bucket).
      await occurrencesWhen(ids, `event ${n} decided`, (l) => l.length === n + 1 && l.filter((o) => o.outcome === 'started').length === 1 && l.filter((o) => o.reason === 'throttle').length === n);
    }
    const created = () => instancesOf(workflow.id).map((i) => i.variables.via);
    expect(created()).toEqual(['t2']);
    for (let k = 1; k < order.length; k++) {
      // Just before its time, a sweep admits nothing; at its time, the next of either trigger.
      clock.set(new Date(t0 + k * 10_000 - 1));
      await admission.sweepAll();
      expect(created()).toHaveLength(k);
      clock.set(new Date(t0 + k * 10_000));
      await eventually(async () => (instancesOf(workflow.id).length === k + 1 ? true : undefined), { what: `start ${k + 1} at ${k * 10} s` });
    }
    expect(created()).toEqual(order);
    const list = await occurrencesWhen(ids, 'all started', (l) => l.length === order.length && l.every((o) => o.outcome === 'started'));
    expect(list.filter((o) => o.reason === 'throttle')).toHaveLength(order.length - 1);
    expect(new Set(orchestrator.starts.filter((s) => s.workflowId === workflow.id).map((s) => s.idempotencyKey)).size).toBe(order.length);
  });

  it('throttle scope workflow with two replicas and a burst of both triggers at once: 2 per 10 s across both, none dropped', async () => {
    const replica = await under.startReplica();
    try {
      const workflow = orchestrator.addWorkflow();
      const throttle = { limit: 2, period: '10s', scope: 'workflow' };
      const t1 = await create({ event: 'THROTTLE_R_1', workflowID: workflow.id, vars: vars('t1'), policy: { throttle } });
      const t2 = await create({ event: 'THROTTLE_R_2', workflowID: workflow.id, vars: vars('t2'), policy: { throttle } });
      const t0 = clock.now().getTime();
      await Promise.all(Array.from({ length: 6 }, (_, n) => publish(n % 2 === 0 ? 'THROTTLE_R_1' : 'THROTTLE_R_2', { n })));
      // limit 2 / 10 s: 2 at once, then one every 5 s — whichever replica and trigger.
      await occurrencesWhen([t1.id, t2.id], '2 started, 4 queued(throttle)', (l) =>
        l.length === 6 && l.filter((o) => o.outcome === 'started').length === 2 && l.filter((o) => o.reason === 'throttle').length === 4,
      );
      await admission.sweepAll();
      expect(instancesOf(workflow.id)).toHaveLength(2);
      for (let k = 1; k <= 4; k++) {
        clock.set(new Date(t0 + k * 5_000 - 1));
        await admission.sweepAll();
        expect(instancesOf(workflow.id)).toHaveLength(k + 1);
        clock.set(new Date(t0 + k * 5_000));
        await eventually(async () => (instancesOf(workflow.id).length === k + 2 ? true : undefined), { what: `start ${k + 2} at ${k * 5} s` });
      }
      await occurrencesWhen([t1.id, t2.id], 'all 6 started', (l) => l.length === 6 && l.every((o) => o.outcome === 'started'));
      expect(instancesOf(workflow.id)).toHaveLength(6);
    } finally {
      await replica.close();
    }
  }, 60_000);

  it('throttle scope trigger (the default) on the same two triggers’ rule: each trigger has its own bucket', async () => {
    const workflow = orchestrator.addWorkflow();
    const throttle = { limit: 1, period: '10s' };
    const t1 = await create({ event: 'THROTTLE_T_1', workflowID: workflow.id, vars: vars('t1'), policy: { throttle } });
    const t2 = await create({ event: 'THROTTLE_T_2', workflowID: workflow.id, vars: vars('t2'), policy: { throttle } });
    await publish('THROTTLE_T_1', { n: 0 });
    await publish('THROTTLE_T_2', { n: 1 });
    await occurrencesWhen([t1.id, t2.id], 'both started at once', (l) => l.length === 2 && l.every((o) => o.outcome === 'started'));
    expect(instancesOf(workflow.id).map((i) => i.variables.via).sort()).toEqual(['t1', 't2']);
  });

  it('singleton scope workflow, skip: one running instance per account across both triggers; its end makes room', async () => {
    const workflow = orchestrator.addWorkflow();
    const singleton = { key: 'event.account', mode: 'skip', scope: 'workflow' };
    const t1 = await create({ event: 'SINGLE_W_1', workflowID: workflow.id, vars: vars('t1'), policy: { singleton } });
    const t2 = await create({ event: 'SINGLE_W_2', workflowID: workflow.id, vars: vars('t2'), policy: { singleton } });
    const ids = [t1.id, t2.id];
    const first = await publish('SINGLE_W_1', { account: 'a' });
    const [started] = await occurrencesWhen(ids, 'the first started', (l) => l.length === 1 && l[0].outcome === 'started');
    const second = await publish('SINGLE_W_2', { account: 'a' });
    const other = await publish('SINGLE_W_2', { account: 'b' });
    const again = await publish('SINGLE_W_1', { account: 'a' });
    let list = await occurrencesWhen(ids, '4 decided', (l) => l.length === 4 && l.every((o) => o.outcome !== 'queued'));
    expect([first, second, other, again].map((e) => outcomeOf(byEvent(list, e)))).toEqual(['started', 'skipped(singleton)', 'started', 'skipped(singleton)']);
    expect(byEvent(list, second).triggerID).toBe(t2.id);

    await endInstance(started.workflowInstanceID!);
    await eventually(async () => ((await db.query(`SELECT 1 FROM triggers.flow_slots WHERE occurrence_id = $1`, [started.id])).length === 0 ? true : undefined), {
      what: 'the shared slot freed',
    });
    const after = await publish('SINGLE_W_2', { account: 'a' });
    list = await occurrencesWhen(ids, 'account a started again, through the other trigger', (l) => byEvent(l, after)?.outcome === 'started');
    expect(byEvent(list, after).triggerID).toBe(t2.id);
    expect(instancesOf(workflow.id).filter((i) => !i.terminated)).toHaveLength(2);
  });

  it('singleton scope workflow, skip, with two replicas and a burst of both triggers at once: exactly 1 started', async () => {
    const replica = await under.startReplica();
    try {
      const workflow = orchestrator.addWorkflow();
      const singleton = { key: 'event.account', scope: 'workflow' };
      const t1 = await create({ event: 'SINGLE_R_1', workflowID: workflow.id, vars: vars('t1'), policy: { singleton } });
      const t2 = await create({ event: 'SINGLE_R_2', workflowID: workflow.id, vars: vars('t2'), policy: { singleton } });
      await Promise.all(Array.from({ length: 20 }, (_, n) => publish(n % 2 === 0 ? 'SINGLE_R_1' : 'SINGLE_R_2', { account: 'a', n })));
      const list = await occurrencesWhen([t1.id, t2.id], '20 decided', (l) => l.length === 20 && l.every((o) => o.outcome === 'started' || o.outcome === 'skipped'));
      expect(list.filter((o) => o.outcome === 'started')).toHaveLength(1);
      expect(list.filter((o) => o.reason === 'singleton')).toHaveLength(19);
      expect(instancesOf(workflow.id)).toHaveLength(1);
    } finally {
      await replica.close();
    }
  }, 60_000);

  it('singleton scope workflow, cancel: an event of the other trigger aborts the running instance (canceledBy) and starts the new one', async () => {
    const workflow = orchestrator.addWorkflow();
    const singleton = { key: 'event.account', mode: 'cancel', scope: 'workflow' };
    const t1 = await create({ event: 'CANCEL_W_1', workflowID: workflow.id, vars: vars('t1'), policy: { singleton } });
    const t2 = await create({ event: 'CANCEL_W_2', workflowID: workflow.id, vars: vars('t2'), policy: { singleton } });
    const ids = [t1.id, t2.id];
    const first = await publish('CANCEL_W_1', { account: 'a' });
    await occurrencesWhen(ids, 'the first started', (l) => l.length === 1 && l[0].outcome === 'started');
    const second = await publish('CANCEL_W_2', { account: 'a' });
    const list = await occurrencesWhen(ids, 'the second started', (l) => l.length === 2 && byEvent(l, second)?.outcome === 'started');
    const [old, replacing] = [byEvent(list, first), byEvent(list, second)];
    expect(old).toMatchObject({ triggerID: t1.id, outcome: 'canceled', canceledBy: replacing.id });
    expect(replacing.triggerID).toBe(t2.id);
    expect(orchestrator.aborts).toContain(old.workflowInstanceID);
    expect(orchestrator.instances.get(old.workflowInstanceID!)!.terminated).toBe(true);
    expect(orchestrator.instances.get(replacing.workflowInstanceID!)!.terminated).toBe(false);
    // The canceled decision is on the bus once, as the first trigger's.
    const events = await eventually(async () => {
      const found = await decisionEvents(ids);
      return found.some((e) => e.type === 'trigger.occurrence.canceled') ? found : undefined;
    }, { what: 'the canceled decision on the bus' });
    expect(events.filter((e) => e.type === 'trigger.occurrence.canceled').map((e) => e.payload)).toEqual([
      expect.objectContaining({ id: old.id, triggerID: t1.id, canceledBy: replacing.id }),
    ]);
    // Another account is apart; a trigger of scope `trigger` on the same workflow is apart too.
    const t3 = await create({ event: 'CANCEL_W_3', workflowID: workflow.id, vars: vars('t3'), policy: { singleton: { key: 'event.account', mode: 'cancel' } } });
    await publish('CANCEL_W_1', { account: 'b' });
    await publish('CANCEL_W_3', { account: 'a' });
    await occurrencesWhen([...ids, t3.id], 'b and t3 started', (l) => l.length === 4 && l.filter((o) => o.outcome === 'started').length === 3);
    expect(orchestrator.instances.get(replacing.workflowInstanceID!)!.terminated).toBe(false);
  });
});
