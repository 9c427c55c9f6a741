import { randomUUID } from 'node:crypto';
import { JetStreamClient, NatsConnection, StringCodec } from 'nats';
import { DataSource } from 'typeorm';
import { EventEnvelope, eventsStreamName, eventSubject, Trigger, TriggerOccurrence } from '@wfp/contracts';
import { eventually, FakeClock, unwrap } from '@wfp/testing';
import { TriggersService } from '../formance/triggers.service';
import { FakeOrchestrator } from '../../test/fake-orchestrator';
import { startTriggersUnderTest, TriggersUnderTest } from '../../test/triggers-under-test';

/**
 * Flow control on triggers against real Postgres and JetStream, the fake orchestrator answering
 * starts and aborts, the test playing the orchestrator's lifecycle events (SUCCEEDED_WORKFLOW /
 * FAILED_WORKFLOW on the bus) and an injected FakeClock for every rule about time.
 */
describe('flow control on triggers (real Postgres + NATS, fake orchestrator, FakeClock)', () => {
  let under: TriggersUnderTest;
  let namespace: string;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let orchestrator: FakeOrchestrator;
  let triggers: TriggersService;
  let db: DataSource;
  const clock = new FakeClock('2026-03-01T00:00:00Z');
  const sc = StringCodec();

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_flow', {}, { clock });
    ({ nc, orchestrator, namespace } = under);
    js = nc.jetstream();
    triggers = under.app.get(TriggersService);
    db = under.app.get(DataSource);
  });

  afterAll(async () => {
    await under?.stop();
  });

  let published = 0;
  async function publish(type: string, payload: Record<string, unknown>, app = 'tests', version = 'v1'): Promise<EventEnvelope> {
    const envelope: EventEnvelope = { id: randomUUID(), idempotency_key: randomUUID(), date: clock.now().toISOString(), app, version, type, payload };
    await js.publish(eventSubject(namespace, app, version, type), sc.encode(JSON.stringify(envelope)), { msgID: `${envelope.id}-${published++}` });
    return envelope;
  }

  /** What the orchestrator publishes when an instance ends (any end frees its slots). */
  async function endInstance(instanceId: string, failed = false): Promise<void> {
    const instance = orchestrator.instances.get(instanceId)!;
    instance.terminated = true;
    await publish(failed ? 'FAILED_WORKFLOW' : 'SUCCEEDED_WORKFLOW', { id: instance.workflowID, instanceID: instanceId, ...(failed ? { error: 'boom' } : {}) }, 'orchestration', 'v2');
  }

  const create = async (data: Record<string, unknown>): Promise<Trigger> => unwrap(await triggers.create(data));
  const occurrences = async (triggerId: string): Promise<TriggerOccurrence[]> => unwrap(await triggers.listOccurrences(triggerId));
  const occurrencesWhen = (triggerId: string, what: string, ok: (list: TriggerOccurrence[]) => boolean) =>
    eventually(async () => {
      const list = await occurrences(triggerId);
      return ok(list) ? list : undefined;
    }, { what, timeoutMs: 20_000 });
  /** Occurrences in the order their events were published (their dates may be equal: FakeClock). */
  const inOrder = (list: TriggerOccurrence[], sent: EventEnvelope[]) => {
    const index = new Map(sent.map((e, i) => [e.id, i]));
    return [...list].sort((a, b) => index.get(String(a.event.id))! - index.get(String(b.event.id))!);
  };
  const instancesOf = (workflowId: string) => [...orchestrator.instances.values()].filter((i) => i.workflowID === workflowId);
  const running = (workflowId: string, tenant?: string) =>
    instancesOf(workflowId).filter((i) => !i.terminated && (tenant === undefined || i.variables.tenant === tenant));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  async function decisionEvents(triggerId: string): Promise<Array<{ type: string; payload: Record<string, unknown> }>> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(eventsStreamName(namespace));
    const out: Array<{ type: string; payload: Record<string, unknown> }> = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(eventsStreamName(namespace), { seq }).catch(() => undefined);
      if (!msg) continue;
      const envelope = JSON.parse(sc.decode(msg.data)) as EventEnvelope;
      if (envelope.type.startsWith('trigger.occurrence.') && envelope.payload.triggerID === triggerId) out.push({ type: envelope.type, payload: envelope.payload });
    }
    return out;
  }

  describe('the policy on create and read', () => {
    it('stores the policy with its defaults and reads it back', async () => {
      const workflow = orchestrator.addWorkflow();
      const trigger = await create({
        event: 'POLICY',
        workflowID: workflow.id,
        vars: { tenant: 'event.tenant' },
        policy: { concurrency: [{ key: 'vars.tenant', limit: 2 }], rate_limit: { limit: 10, period: '1m' }, priority: 'event.vip ? 120 : 0' },
      });
      const expected = {
        concurrency: [{ key: 'vars.tenant', limit: 2, hold: 'running', on_full: 'queue' }],
        rate_limit: { limit: 10, period: '1m' },
        priority: 'event.vip ? 120 : 0',
      };
      expect(trigger.policy).toEqual(expected);
      expect(unwrap(await triggers.get(trigger.id)).policy).toEqual(expected);
      expect(unwrap(await triggers.list()).find((t) => t.id === trigger.id)!.policy).toEqual(expected);
      const plain = await create({ event: 'POLICY', workflowID: workflow.id });
      expect(plain).not.toHaveProperty('policy');
    });

    it('refuses an invalid policy with a 400 naming the field', async () => {
      const workflow = orchestrator.addWorkflow();
      const error = async (policy: unknown) => {
        const reply = await triggers.create({ event: 'POLICY', workflowID: workflow.id, policy });
        if (reply.ok) throw new Error('expected an error');
        return reply.error;
      };
      expect(await error({ debounce: { period: '5s', timeout: '2s' } })).toEqual({
        code: 'VALIDATION',
        message: 'validating data: policy.debounce.timeout: must be at least the period',
      });
      expect((await error({ concurrency: [{ key: 'event.a ==', limit: 1 }] })).message).toMatch(
        /^validating data: policy\.concurrency\[0\]\.key: error compiling expression 'event\.a ==': /,
      );
      expect((await error({ throttle: { limit: 1, period: 'often' } })).message).toBe(
        'validating data: policy.throttle.period: must be a duration like 500ms, 10s, 5m, 1h or 1d',
      );
      expect((await error({ rate: 1 })).message).toMatch(/^validating data: policy: /);
      expect((await error('fast')).code).toBe('VALIDATION');
    });
  });

  it('rate limit 1 per hour per key: 5 events → 1 instance + 4 skipped(rate_limited); each decision once as an occurrence and once on the bus', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await create({ event: 'RATE', workflowID: workflow.id, policy: { rate_limit: { key: 'event.customer', limit: 1, period: '1h' } } });
    for (let i = 0; i < 5; i++) await publish('RATE', { customer: 'c1', n: i });
    await publish('RATE', { customer: 'c2' });
    const list = await occurrencesWhen(trigger.id, '6 decided occurrences', (l) => l.length === 6 && l.filter((o) => o.outcome === 'started').length === 2);
    expect(list.filter((o) => o.outcome === 'skipped').map((o) => o.reason)).toEqual(['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    expect(list.filter((o) => o.outcome === 'skipped').every((o) => o.workflowInstanceID === undefined)).toBe(true);
    expect(instancesOf(workflow.id)).toHaveLength(2);
    const events = await eventually(async () => {
      const found = await decisionEvents(trigger.id);
      return found.length >= 6 ? found : undefined;
    }, { what: 'the decisions on the bus' });
    await sleep(300);
    expect((await decisionEvents(trigger.id)).length).toBe(6);
    expect(events.map((e) => e.type).sort()).toEqual([...Array(4).fill('trigger.occurrence.skipped'), 'trigger.occurrence.started', 'trigger.occurrence.started']);
    expect(new Set(events.map((e) => e.payload.id)).size).toBe(6);
    // After the hour, the key has room again.
    clock.advance(3_600_000);
    await publish('RATE', { customer: 'c1' });
    await occurrencesWhen(trigger.id, 'a third start', (l) => l.filter((o) => o.outcome === 'started').length === 3);
  });

  it('idempotency: one start per key within the ttl', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await create({ event: 'IDEM', workflowID: workflow.id, policy: { idempotency: { key: 'event.order', ttl: '10m' } } });
    const sent = [await publish('IDEM', { order: 'o1' }), await publish('IDEM', { order: 'o1' }), await publish('IDEM', { order: 'o2' })];
    const list = inOrder(await occurrencesWhen(trigger.id, '3 decided', (l) => l.length === 3 && l.every((o) => o.outcome !== 'queued')), sent);
    expect(list.map((o) => [o.outcome, o.reason ?? null])).toEqual([
      ['started', null],
      ['skipped', 'idempotent'],
      ['started', null],
    ]);
    clock.advance(600_001);
    await publish('IDEM', { order: 'o1' });
    await occurrencesWhen(trigger.id, 'o1 again after the ttl', (l) => l.filter((o) => o.outcome === 'started').length === 3);
  });

  it('singleton skip: one running instance per key; its end makes room', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await create({ event: 'SINGLE', workflowID: workflow.id, policy: { singleton: { key: 'event.account', mode: 'skip' } } });
    const sent = [await publish('SINGLE', { account: 'a' })];
    const [first] = await occurrencesWhen(trigger.id, 'the first started', (l) => l[0]?.outcome === 'started');
    sent.push(await publish('SINGLE', { account: 'a' }), await publish('SINGLE', { account: 'b' }));
    const list = inOrder(await occurrencesWhen(trigger.id, '3 decided', (l) => l.length === 3 && l.every((o) => o.outcome !== 'queued')), sent);
    expect(list.map((o) => [o.outcome, o.reason ?? null])).toEqual([
      ['started', null],
      ['skipped', 'singleton'],
      ['started', null],
    ]);
    await endInstance(first.workflowInstanceID!);
    await eventually(async () => ((await db.query(`SELECT 1 FROM triggers.flow_slots WHERE occurrence_id = $1`, [first.id])).length === 0 ? true : undefined), {
      what: 'the slot freed',
    });
    sent.push(await publish('SINGLE', { account: 'a' }));
    await occurrencesWhen(trigger.id, 'a started again', (l) => l.length === 4 && inOrder(l, sent)[3].outcome === 'started');
  });

  it('singleton cancel: a second event aborts the running instance (canceledBy) and starts a new one', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await create({ event: 'CANCEL', workflowID: workflow.id, policy: { singleton: { key: 'event.account', mode: 'cancel' } } });
    const sent = [await publish('CANCEL', { account: 'a' })];
    const [first] = await occurrencesWhen(trigger.id, 'the first started', (l) => l[0]?.outcome === 'started');
    sent.push(await publish('CANCEL', { account: 'a' }));
    const list = inOrder(await occurrencesWhen(trigger.id, 'the second started', (l) => l.length === 2 && inOrder(l, sent)[1].outcome === 'started'), sent);
    expect(list[0]).toMatchObject({ id: first.id, outcome: 'canceled', canceledBy: list[1].id, workflowInstanceID: first.workflowInstanceID });
    expect(orchestrator.aborts).toContain(first.workflowInstanceID);
    expect(orchestrator.instances.get(first.workflowInstanceID!)!.terminated).toBe(true);
    expect(orchestrator.instances.get(list[1].workflowInstanceID!)!.terminated).toBe(false);
    const events = await eventually(async () => {
      const found = await decisionEvents(trigger.id);
      return found.some((e) => e.type === 'trigger.occurrence.canceled') ? found : undefined;
    }, { what: 'the canceled decision on the bus' });
    expect(events.find((e) => e.type === 'trigger.occurrence.canceled')!.payload).toMatchObject({ id: first.id, canceledBy: list[1].id });
  });
});
