import { randomUUID } from 'node:crypto';
import { JetStreamClient, NatsConnection, StringCodec } from 'nats';
import { DataSource } from 'typeorm';
import { EventEnvelope, eventsStreamName, eventSubject, Trigger, TriggerOccurrence } from '@wfp/contracts';
import { register } from 'prom-client';
import { eventually, FakeClock, unwrap } from '@wfp/testing';
import { TriggersService } from '../formance/triggers.service';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
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
    return republish({ id: randomUUID(), idempotency_key: randomUUID(), date: clock.now().toISOString(), app, version, type, payload });
  }

  /** Publishes an envelope (again: a fresh Nats-Msg-Id, so a replay reaches the consumer). */
  async function republish(envelope: EventEnvelope): Promise<EventEnvelope> {
    const { app, version, type } = envelope;
    await js.publish(eventSubject(namespace, app, version, type), sc.encode(JSON.stringify(envelope)), { msgID: `${envelope.id}-${published++}` });
    return envelope;
  }

  const endInstance = (instanceId: string, failed = false) => under.endInstance(instanceId, failed);

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
    const sent: EventEnvelope[] = [];
    for (let i = 0; i < 5; i++) sent.push(await publish('RATE', { customer: 'c1', n: i }));
    await publish('RATE', { customer: 'c2' });
    const list = await occurrencesWhen(trigger.id, '6 decided occurrences', (l) => l.length === 6 && l.filter((o) => o.outcome === 'started').length === 2);
    expect(list.filter((o) => o.outcome === 'skipped').map((o) => o.reason)).toEqual(['rate_limited', 'rate_limited', 'rate_limited', 'rate_limited']);
    expect(list.filter((o) => o.outcome === 'skipped').every((o) => o.workflowInstanceID === undefined)).toBe(true);
    expect(instancesOf(workflow.id)).toHaveLength(2);
    const events = await eventually(async () => {
      const found = await decisionEvents(trigger.id);
      return found.length >= 6 ? found : undefined;
    }, { what: 'the decisions on the bus' });
    // Replays of decided events decide nothing again.
    for (const envelope of sent) await republish(envelope);
    await sleep(500);
    expect((await occurrences(trigger.id)).length).toBe(6);
    expect((await decisionEvents(trigger.id)).length).toBe(6);
    expect(await register.getSingleMetricAsString('wfp_trigger_flow_decisions_total')).toContain(
      `wfp_trigger_flow_decisions_total{trigger_id="${trigger.id}",outcome="skipped",reason="rate_limited"} 4`,
    );
    expect(events.map((e) => e.type).sort()).toEqual([...Array(4).fill('trigger.occurrence.skipped'), 'trigger.occurrence.started', 'trigger.occurrence.started']);
    expect(new Set(events.map((e) => e.payload.id)).size).toBe(6);
    // After the hour, the key has room again.
    clock.advance(3_600_000);
    await publish('RATE', { customer: 'c1' });
    await occurrencesWhen(trigger.id, 'a third start', (l) => l.filter((o) => o.outcome === 'started').length === 3);
  });

  it('a start admitted from the queue carries its origin, the event’s payload and the trigger’s cancel_on', async () => {
    const workflow = orchestrator.addWorkflow();
    const cancelOn = [{ event: 'order.cancelled', if: 'async.order == event.order' }];
    const trigger = await create({
      event: 'ADMIT_ORIGIN', workflowID: workflow.id, vars: { order: 'event.order' },
      policy: { concurrency: [{ key: 'vars.order', limit: 1 }] }, cancel_on: cancelOn,
    });
    const first = await publish('ADMIT_ORIGIN', { order: 'o1' });
    const [started] = await occurrencesWhen(trigger.id, 'the first started', (l) => l[0]?.outcome === 'started');
    const second = await publish('ADMIT_ORIGIN', { order: 'o1', n: 2 });
    await occurrencesWhen(trigger.id, 'the second queued', (l) => l.length === 2 && l.some((o) => o.outcome === 'queued'));
    await endInstance(started.workflowInstanceID!);
    await occurrencesWhen(trigger.id, 'both started', (l) => l.length === 2 && l.every((o) => o.outcome === 'started'));
    const startOf = (envelope: EventEnvelope) => orchestrator.starts.find((s) => s.idempotencyKey === `trigger:${trigger.id}:${envelope.id}`);
    expect(startOf(first)).toMatchObject({ origin: { triggerId: trigger.id, eventId: first.id }, triggerEvent: { order: 'o1' }, cancelOn });
    expect(startOf(second)).toMatchObject({ origin: { triggerId: trigger.id, eventId: second.id }, triggerEvent: { order: 'o1', n: 2 }, cancelOn });
  });

  it('idempotency: one start per key within the ttl', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await create({ event: 'IDEM', workflowID: workflow.id, policy: { idempotency: { key: 'event.order', ttl: '10m' } } });
    // Batches are matched concurrently: either o1 event may be the one that starts.
    for (const order of ['o1', 'o1', 'o2']) await publish('IDEM', { order });
    const list = await occurrencesWhen(trigger.id, '3 decided', (l) => l.length === 3 && l.every((o) => o.outcome !== 'queued'));
    const decided = (order: string) =>
      list
        .filter((o) => (o.event.payload as { order: string }).order === order)
        .map((o) => `${o.outcome}${o.reason ? `(${o.reason})` : ''}`)
        .sort();
    expect(decided('o1')).toEqual(['skipped(idempotent)', 'started']);
    expect(decided('o2')).toEqual(['started']);
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

  it('singleton cancel of a start still being started: it stays canceled and its instance is aborted once it exists', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await create({ event: 'CANCEL_RACE', workflowID: workflow.id, policy: { singleton: { mode: 'cancel' } } });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    orchestrator.beforeStartMany = () => gate;
    const sent: EventEnvelope[] = [];
    try {
      sent.push(await publish('CANCEL_RACE', { n: 1 }));
      await eventually(async () => ((await db.query(`SELECT state FROM triggers.flow_queue WHERE trigger_id = $1`, [trigger.id]))[0]?.state === 'starting' ? true : undefined), {
        what: 'the first being started',
      });
      sent.push(await publish('CANCEL_RACE', { n: 2 }));
      await occurrencesWhen(trigger.id, 'the first canceled', (l) => l.length === 2 && inOrder(l, sent)[0].outcome === 'canceled');
    } finally {
      orchestrator.beforeStartMany = undefined;
      release();
    }
    const list = inOrder(await occurrencesWhen(trigger.id, 'the second started', (l) => l.length === 2 && inOrder(l, sent)[1].outcome === 'started'), sent);
    expect(list[0]).toMatchObject({ outcome: 'canceled', canceledBy: list[1].id });
    await eventually(async () => (orchestrator.aborts.includes(list[0].workflowInstanceID!) ? true : undefined), { what: 'the first instance aborted' });
    expect(orchestrator.instances.get(list[0].workflowInstanceID!)!.terminated).toBe(true);
    expect(orchestrator.instances.get(list[1].workflowInstanceID!)!.terminated).toBe(false);
  });

  describe('concurrency', () => {
    it('2 per tenant: 50 events for A and 1 for B at once, each instance 10 s: never more than 2 of A, B in the first round, all 51 once, no slot leaked', async () => {
      const workflow = orchestrator.addWorkflow();
      const trigger = await create({
        event: 'CONC',
        workflowID: workflow.id,
        vars: { tenant: 'event.tenant' },
        policy: { concurrency: [{ key: 'vars.tenant', limit: 2 }] },
      });
      const sent = await Promise.all([...Array.from({ length: 50 }, (_, n) => publish('CONC', { tenant: 'A', n })), publish('CONC', { tenant: 'B' })]);
      // The first admission round: B starts although A has 48 queued before it.
      await eventually(async () => (running(workflow.id, 'B').length === 1 && running(workflow.id, 'A').length === 2 ? true : undefined), { what: 'B and two of A started' });
      expect(orchestrator.instances.size).toBeGreaterThan(0);

      // Play the orchestrator: each instance ends 10 s (FakeClock) after it started; one in three fails.
      const startedAt = new Map<string, number>();
      let maxA = 0;
      let endings = 0;
      const deadline = Date.now() + 60_000;
      while ([...startedAt.keys()].filter((id) => orchestrator.instances.get(id)!.terminated).length < 51) {
        if (Date.now() > deadline) throw new Error(`only ${startedAt.size} instances started`);
        for (const instance of instancesOf(workflow.id)) if (!startedAt.has(instance.id)) startedAt.set(instance.id, clock.now().getTime());
        maxA = Math.max(maxA, running(workflow.id, 'A').length);
        for (const instance of running(workflow.id)) {
          if (startedAt.get(instance.id)! + 10_000 <= clock.now().getTime()) await endInstance(instance.id, endings++ % 3 === 2);
        }
        clock.advance(1000);
        await sleep(30);
      }
      expect(maxA).toBe(2);
      expect(instancesOf(workflow.id)).toHaveLength(51);
      const list = await occurrencesWhen(trigger.id, '51 started occurrences', (l) => l.length === 51 && l.every((o) => o.outcome === 'started'));
      expect(new Set(list.map((o) => o.workflowInstanceID)).size).toBe(51);
      // Each decision once on the bus: 51 started, 48 queued(concurrency).
      const decisions = await decisionEvents(trigger.id);
      const started = decisions.filter((d) => d.type === 'trigger.occurrence.started').map((d) => d.payload.id);
      const queuedDecisions = decisions.filter((d) => d.type === 'trigger.occurrence.queued').map((d) => d.payload.id);
      expect([started.length, new Set(started).size, queuedDecisions.length, new Set(queuedDecisions).size]).toEqual([51, 51, 48, 48]);
      const reasons = (tenant: string) => list.filter((o) => (o.event.payload as { tenant: string }).tenant === tenant).map((o) => o.reason ?? null);
      expect(reasons('A').filter((r) => r === 'concurrency')).toHaveLength(48);
      expect(reasons('B')).toEqual([null]);
      expect(sent).toHaveLength(51);
      await eventually(async () => ((await db.query(`SELECT count(*)::int AS n FROM triggers.flow_slots WHERE trigger_id = $1`, [trigger.id]))[0].n === 0 ? true : undefined), {
        what: 'every slot freed',
      });

      // No slot leaked: A reaches exactly 2 running again.
      for (let n = 0; n < 4; n++) await publish('CONC', { tenant: 'A', n: 100 + n });
      await eventually(async () => (running(workflow.id, 'A').length === 2 ? true : undefined), { what: 'two of A running again' });
      await sleep(500);
      expect(running(workflow.id, 'A')).toHaveLength(2);
      const queued = (await occurrences(trigger.id)).filter((o) => o.outcome === 'queued');
      expect(queued.map((o) => o.reason)).toEqual(['concurrency', 'concurrency']);
    }, 90_000);

    it('on_full: cancel_newest skips, keep_newest_queued keeps one queued per key, cancel_oldest aborts the oldest running', async () => {
      const wfNewest = orchestrator.addWorkflow();
      const newest = await create({ event: 'FULL_NEWEST', workflowID: wfNewest.id, policy: { concurrency: [{ limit: 1, on_full: 'cancel_newest' }] } });
      const wfKeep = orchestrator.addWorkflow();
      const keep = await create({ event: 'FULL_KEEP', workflowID: wfKeep.id, vars: { n: 'event.n' }, policy: { concurrency: [{ limit: 1, on_full: 'keep_newest_queued' }] } });
      const wfOldest = orchestrator.addWorkflow();
      const oldest = await create({ event: 'FULL_OLDEST', workflowID: wfOldest.id, policy: { concurrency: [{ limit: 1, on_full: 'cancel_oldest' }] } });
      for (const type of ['FULL_NEWEST', 'FULL_KEEP', 'FULL_OLDEST']) await publish(type, { n: 0 });
      await eventually(async () => ([wfNewest, wfKeep, wfOldest].every((w) => running(w.id).length === 1) ? true : undefined), { what: 'one running each' });
      const firstOldest = running(wfOldest.id)[0];
      for (let n = 1; n <= 3; n++) for (const type of ['FULL_NEWEST', 'FULL_KEEP']) await publish(type, { n });
      await publish('FULL_OLDEST', { n: 1 });

      const newestList = await occurrencesWhen(newest.id, '3 skipped', (l) => l.filter((o) => o.outcome === 'skipped').length === 3);
      expect(newestList.filter((o) => o.outcome === 'skipped').every((o) => o.reason === 'concurrency')).toBe(true);
      const keepList = await occurrencesWhen(keep.id, 'one queued, the others superseded', (l) => l.filter((o) => o.outcome === 'queued').length === 1 && l.filter((o) => o.outcome === 'skipped').length === 2);
      // The newest enqueued is kept (concurrent batches may enqueue them in another order than sent).
      const kept = keepList.find((o) => o.outcome === 'queued')!;
      expect(keepList.filter((o) => o.outcome === 'skipped').map((o) => o.reason)).toEqual(['superseded', 'superseded']);
      const oldestList = await occurrencesWhen(oldest.id, 'the first canceled, the second started', (l) => l.length === 2 && l.some((o) => o.outcome === 'canceled') && l.some((o) => o.outcome === 'started'));
      const canceled = oldestList.find((o) => o.outcome === 'canceled')!;
      expect(canceled).toMatchObject({ workflowInstanceID: firstOldest.id, canceledBy: oldestList.find((o) => o.outcome === 'started')!.id });
      expect(orchestrator.aborts).toContain(firstOldest.id);
      // keep_newest_queued: when the running one ends, the kept one starts.
      await endInstance(running(wfKeep.id)[0].id);
      const keptN = String((kept.event.payload as { n: number }).n);
      await eventually(async () => (running(wfKeep.id)[0]?.variables.n === keptN ? true : undefined), { what: 'the kept queued start started' });
    });

    afterEach(() => {
      orchestrator.startManyReplyDelayMs = 0;
    });

    it('hold active: instances waiting in wait_event hold no slot, at most 2 act at once', async () => {
      const workflow = orchestrator.addWorkflow(false, [{ http: { url: 'https://example.com' } }, { wait_event: { event: 'go' } }]);
      await create({ event: 'ACTIVE', workflowID: workflow.id, policy: { concurrency: [{ limit: 2, hold: 'active' }] } });
      // Each instance's stage events come before its start is recorded (the reply is slow).
      orchestrator.startManyReplyDelayMs = 300;
      for (let n = 0; n < 12; n++) await publish('ACTIVE', { n });
      const stageOf = new Map<string, number>();
      const stageStarted = (instanceId: string, number: number) =>
        publish('STARTED_WORKFLOW_STAGE', { id: workflow.id, instanceID: instanceId, number }, 'orchestration', 'v2');
      let maxActing = 0;
      const deadline = Date.now() + 60_000;
      while ([...stageOf.values()].filter((s) => s === 1).length < 12) {
        if (Date.now() > deadline) throw new Error(`only ${stageOf.size} instances started`);
        for (const instance of instancesOf(workflow.id)) {
          if (!stageOf.has(instance.id)) {
            stageOf.set(instance.id, 0);
            await stageStarted(instance.id, 0); // http: acts
          }
        }
        maxActing = Math.max(maxActing, [...stageOf.values()].filter((s) => s === 0).length);
        const acting = [...stageOf.entries()].find(([, s]) => s === 0);
        if (acting) {
          stageOf.set(acting[0], 1);
          await stageStarted(acting[0], 1); // wait_event: waits, its slot is free
        }
        await sleep(30);
      }
      expect(maxActing).toBe(2);
      expect(running(workflow.id)).toHaveLength(12);
    }, 90_000);

    it('a limit from CEL: premium tenants get 3, others 1', async () => {
      const workflow = orchestrator.addWorkflow();
      await create({
        event: 'DYN',
        workflowID: workflow.id,
        vars: { tenant: 'event.tenant' },
        policy: { concurrency: [{ key: 'event.tenant', limit: 'event.tier == "premium" ? 3 : 1' }] },
      });
      for (let n = 0; n < 5; n++) {
        await publish('DYN', { tenant: 'P', tier: 'premium', n });
        await publish('DYN', { tenant: 'F', tier: 'free', n });
      }
      await eventually(async () => (running(workflow.id, 'P').length === 3 && running(workflow.id, 'F').length === 1 ? true : undefined), { what: '3 premium, 1 free' });
      await sleep(400);
      expect([running(workflow.id, 'P').length, running(workflow.id, 'F').length]).toEqual([3, 1]);
    });

    it('fairness: 10,000 queued for A and 1 for B → B starts within one admission round', async () => {
      const workflow = orchestrator.addWorkflow();
      const trigger = await create({ event: 'FAIR', workflowID: workflow.id, vars: { tenant: 'event.tenant' }, policy: { concurrency: [{ key: 'event.tenant', limit: 1 }] } });
      for (let chunk = 0; chunk < 20; chunk++) await Promise.all(Array.from({ length: 500 }, (_, n) => publish('FAIR', { tenant: 'A', n: chunk * 500 + n })));
      await eventually(
        async () => ((await db.query(`SELECT count(*)::int AS n FROM triggers.flow_queue WHERE trigger_id = $1`, [trigger.id]))[0].n === 9999 ? true : undefined),
        { what: '9,999 of A queued', timeoutMs: 120_000, intervalMs: 500 },
      );
      await publish('FAIR', { tenant: 'B' });
      // B starts while every one of A's 9,999 still waits (A's one slot is never freed here): the
      // round that admits B reads a window per key, not the queue's head. (A wall-clock bound was
      // load-sensitive on 2 shared cores; the behaviour is what is asserted.)
      await eventually(async () => (running(workflow.id, 'B').length === 1 ? true : undefined), { what: 'B started', intervalMs: 10, timeoutMs: 15_000 });
      expect(running(workflow.id, 'A')).toHaveLength(1);
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM triggers.flow_queue WHERE trigger_id = $1 AND state = 'queued'`, [trigger.id]);
      expect(n).toBe(9999);
    }, 180_000);

    it('priority with concurrency 1: a +120 s start queued later starts before earlier ones queued less than 120 s before it', async () => {
      const workflow = orchestrator.addWorkflow();
      await create({ event: 'PRIO', workflowID: workflow.id, vars: { n: 'event.n' }, policy: { concurrency: [{ limit: 1 }], priority: 'event.p' } });
      await publish('PRIO', { n: 0, p: 0 });
      await eventually(async () => (running(workflow.id).length === 1 ? true : undefined), { what: 'the first running' });
      const queuedCount = (count: number) =>
        eventually(async () => ((await db.query(`SELECT count(*)::int AS n FROM triggers.flow_queue WHERE workflow_id = $1`, [workflow.id]))[0].n === count ? true : undefined), {
          what: `${count} queued`,
        });
      await publish('PRIO', { n: 1, p: 0 });
      await queuedCount(1);
      clock.advance(10_000);
      await publish('PRIO', { n: 2, p: 0 });
      await queuedCount(2);
      clock.advance(10_000);
      await publish('PRIO', { n: 3, p: 120 });
      await queuedCount(3);
      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        const [current] = running(workflow.id);
        order.push(current.variables.n);
        await endInstance(current.id);
        if (i < 3) await eventually(async () => (running(workflow.id).length === 1 && running(workflow.id)[0].id !== current.id ? true : undefined), { what: 'the next one' });
      }
      expect(order).toEqual(['0', '3', '1', '2']);
    });
  });

  it('throttle limit 2 / 6 s / burst 1, 6 events 0.5 s apart: 3 start at once, then one every 3 s, none dropped', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await create({ event: 'THROTTLE', workflowID: workflow.id, policy: { throttle: { limit: 2, period: '6s', burst: 1 } } });
    const t0 = clock.now().getTime();
    const startedCount = () => instancesOf(workflow.id).length;
    for (let i = 0; i < 6; i++) {
      if (i > 0) clock.advance(500);
      await publish('THROTTLE', { n: i });
      await occurrencesWhen(trigger.id, `occurrence ${i + 1}`, (l) => l.length === i + 1);
      if (i < 3) await eventually(async () => (startedCount() === i + 1 ? true : undefined), { what: `start ${i + 1} at once` });
    }
    await sleep(300);
    expect(startedCount()).toBe(3);
    const at = (ms: number) => clock.set(new Date(t0 + ms));
    for (const [before, due, count] of [
      [2900, 3000, 4],
      [5900, 6000, 5],
      [8900, 9000, 6],
    ]) {
      at(before);
      await sleep(300);
      expect(startedCount()).toBe(count - 1);
      at(due);
      await eventually(async () => (startedCount() === count ? true : undefined), { what: `start ${count} at ${due} ms` });
    }
    const list = await occurrencesWhen(trigger.id, 'all started', (l) => l.every((o) => o.outcome === 'started'));
    expect(list.filter((o) => o.reason === 'throttle')).toHaveLength(3);
  });

  describe('debounce', () => {
    it('period 5 s, 5 events 1 s apart → 1 instance with the 5th event, 5 s after it', async () => {
      const workflow = orchestrator.addWorkflow();
      const trigger = await create({ event: 'DEBOUNCE', workflowID: workflow.id, vars: { n: 'event.n' }, policy: { debounce: { key: 'event.k', period: '5s' } } });
      const t0 = clock.now().getTime();
      for (let n = 1; n <= 5; n++) {
        if (n > 1) clock.advance(1000);
        await publish('DEBOUNCE', { k: 'x', n });
        await occurrencesWhen(trigger.id, `occurrence ${n}`, (l) => l.length === n);
      }
      clock.set(new Date(t0 + 8900));
      await sleep(300);
      expect(instancesOf(workflow.id)).toHaveLength(0);
      clock.set(new Date(t0 + 9000));
      await eventually(async () => (instancesOf(workflow.id).length === 1 ? true : undefined), { what: 'the debounced start' });
      expect(instancesOf(workflow.id)[0].variables.n).toBe('5');
      const list = await occurrencesWhen(trigger.id, 'decided', (l) => l.filter((o) => o.outcome === 'started').length === 1);
      expect(list.filter((o) => o.outcome === 'skipped').map((o) => o.reason)).toEqual(['debounced', 'debounced', 'debounced', 'debounced']);
      await sleep(300);
      expect(instancesOf(workflow.id)).toHaveLength(1);
    });

    it('use first: the instance gets the first event of the burst; the timer still restarts', async () => {
      const workflow = orchestrator.addWorkflow();
      const trigger = await create({ event: 'DEBOUNCE_FIRST', workflowID: workflow.id, vars: { n: 'event.n' }, policy: { debounce: { period: '5s', use: 'first' } } });
      const t0 = clock.now().getTime();
      for (let n = 1; n <= 3; n++) {
        if (n > 1) clock.advance(1000);
        await publish('DEBOUNCE_FIRST', { n });
        await occurrencesWhen(trigger.id, `occurrence ${n}`, (l) => l.length === n);
      }
      clock.set(new Date(t0 + 6900));
      await sleep(300);
      expect(instancesOf(workflow.id)).toHaveLength(0);
      clock.set(new Date(t0 + 7000));
      await eventually(async () => (instancesOf(workflow.id).length === 1 ? true : undefined), { what: 'the debounced start' });
      expect(instancesOf(workflow.id)[0].variables.n).toBe('1');
    });

    it('a stream every 2 s, period 5 s, timeout 10 s → one start every 10 s', async () => {
      const workflow = orchestrator.addWorkflow();
      const trigger = await create({ event: 'DEBOUNCE_STREAM', workflowID: workflow.id, policy: { debounce: { period: '5s', timeout: '10s' } } });
      const t0 = clock.now().getTime();
      const startsAt: number[] = [];
      let sent = 0;
      for (let t = 0; t < 20_000; t += 2000) {
        clock.set(new Date(t0 + t));
        await eventually(async () => {
          if (instancesOf(workflow.id).length > startsAt.length) startsAt.push(t);
          return instancesOf(workflow.id).length === Math.floor(t / 10_000) ? true : undefined;
        }, { what: `starts by ${t} ms` });
        await publish('DEBOUNCE_STREAM', { t });
        sent++;
        await occurrencesWhen(trigger.id, `occurrence at ${t}`, (l) => l.length === sent);
      }
      clock.set(new Date(t0 + 20_000));
      await eventually(async () => (instancesOf(workflow.id).length === 2 ? true : undefined), { what: 'the second start at 20 s' });
      expect(startsAt).toEqual([10_000]);
    });
  });

  it('the README walkthrough (step 7): one started, two skipped(rate_limited); the bad policy refused naming its field', async () => {
    const notify = orchestrator.addWorkflow();
    const trigger = await create({
      name: 'notify-once-an-hour',
      event: 'order.placed',
      workflowID: notify.id,
      vars: { customer: 'event.customer' },
      policy: { rate_limit: { key: 'vars.customer', limit: 1, period: '1h' }, concurrency: [{ key: 'vars.customer', limit: 1 }] },
    });
    for (let i = 0; i < 3; i++) await publish('order.placed', { customer: 'c1' }, 'shop', 'v1');
    const list = await occurrencesWhen(trigger.id, 'three decided', (l) => l.length === 3 && l.every((o) => o.outcome !== 'queued'));
    expect(list.map((o) => `${o.outcome}${o.reason ? `(${o.reason})` : ''}`).sort()).toEqual(['skipped(rate_limited)', 'skipped(rate_limited)', 'started']);
    const refused = await triggers.create({ event: 'order.placed', workflowID: notify.id, policy: { debounce: { period: '5s', timeout: '1s' } } });
    expect(refused).toEqual({ ok: false, error: { code: 'VALIDATION', message: 'validating data: policy.debounce.timeout: must be at least the period' } });
  });

  describe('crashes and replicas', () => {
    it('a crash between admission and the recorded start: the start is retried, its instance recorded once, the slot kept meanwhile', async () => {
      const workflow = orchestrator.addWorkflow();
      const trigger = await create({ event: 'CRASH', workflowID: workflow.id, policy: { concurrency: [{ limit: 1 }] } });
      // The orchestrator created the instance, but the answer never came back (the replica died).
      orchestrator.failNextStarts.push({ ok: false, error: { code: 'INTERNAL', message: 'connection lost' } });
      const envelope = await publish('CRASH', { n: 1 });
      await eventually(
        async () =>
          orchestrator.failNextStarts.length === 0 && (await db.query(`SELECT state FROM triggers.flow_queue WHERE trigger_id = $1`, [trigger.id]))[0]?.state === 'starting'
            ? true
            : undefined,
        { what: 'the start admitted, sent, and not recorded' },
      );
      const created = unwrap(
        await under.app.get(OrchestratorClient).startInstance({ workflowId: workflow.id, variables: {}, idempotencyKey: `trigger:${trigger.id}:${envelope.id}` }),
      );
      await publish('CRASH', { n: 2 }); // must wait: the slot is still held by the first start
      const list = await occurrencesWhen(trigger.id, 'the first recorded', (l) => l.some((o) => o.outcome === 'started'));
      expect(list.find((o) => o.outcome === 'started')!.workflowInstanceID).toBe(created.id);
      await sleep(500);
      expect(instancesOf(workflow.id)).toHaveLength(1);
      expect((await occurrences(trigger.id)).map((o) => o.outcome).sort()).toEqual(['queued', 'started']);
    });

    it('two replicas share the queue: concurrency 2 holds across them, every start once, no slot leaked', async () => {
      const replica = await under.startReplica();
      try {
        const workflow = orchestrator.addWorkflow();
        const trigger = await create({ event: 'REPLICAS', workflowID: workflow.id, vars: { tenant: 'event.tenant' }, policy: { concurrency: [{ key: 'vars.tenant', limit: 2 }] } });
        await Promise.all(Array.from({ length: 30 }, (_, n) => publish('REPLICAS', { tenant: n % 3 === 0 ? 'B' : 'A', n })));
        let maxA = 0;
        let maxB = 0;
        const deadline = Date.now() + 60_000;
        while (instancesOf(workflow.id).filter((i) => i.terminated).length < 30) {
          if (Date.now() > deadline) throw new Error(`only ${instancesOf(workflow.id).length} started`);
          maxA = Math.max(maxA, running(workflow.id, 'A').length);
          maxB = Math.max(maxB, running(workflow.id, 'B').length);
          const [oldest] = running(workflow.id);
          if (oldest) await endInstance(oldest.id);
          await sleep(20);
        }
        expect([maxA, maxB]).toEqual([2, 2]);
        expect(instancesOf(workflow.id)).toHaveLength(30);
        await eventually(async () => ((await db.query(`SELECT count(*)::int AS n FROM triggers.flow_slots WHERE trigger_id = $1`, [trigger.id]))[0].n === 0 ? true : undefined), {
          what: 'every slot freed',
        });
        const list = await occurrences(trigger.id);
        expect(list.every((o) => o.outcome === 'started')).toBe(true);
        expect(new Set(list.map((o) => o.workflowInstanceID)).size).toBe(30);
      } finally {
        await replica.close();
      }
    }, 90_000);
  });

  describe('around the policy', () => {
    it('a deleted trigger starts nothing more: its queued starts are skipped (trigger_deleted), once each', async () => {
      const workflow = orchestrator.addWorkflow();
      const trigger = await create({ event: 'DELETED', workflowID: workflow.id, policy: { concurrency: [{ limit: 1 }] } });
      const sent = [await publish('DELETED', { n: 1 }), await publish('DELETED', { n: 2 }), await publish('DELETED', { n: 3 })];
      await occurrencesWhen(trigger.id, '1 started, 2 queued', (l) => l.filter((o) => o.outcome === 'started').length === 1 && l.filter((o) => o.outcome === 'queued').length === 2);
      unwrap(await triggers.delete(trigger.id));
      await endInstance(running(workflow.id)[0].id);
      const outcomes = () =>
        db.query(`SELECT event_id, outcome, reason FROM triggers.occurrences WHERE trigger_id = $1`, [trigger.id]) as Promise<Array<{ event_id: string; outcome: string; reason: string | null }>>;
      const rows = await eventually(async () => {
        const list = await outcomes();
        return list.filter((o) => o.outcome === 'skipped').length === 2 ? list : undefined;
      }, { what: 'the queued starts skipped', timeoutMs: 20_000 });
      expect(rows.filter((o) => o.outcome === 'skipped').every((o) => o.reason === 'trigger_deleted')).toBe(true);
      const startedEvent = rows.find((o) => o.outcome === 'started')!.event_id;
      expect(rows).toHaveLength(3);
      await eventually(async () => ((await db.query(`SELECT count(*)::int AS n FROM triggers.flow_queue WHERE trigger_id = $1`, [trigger.id]))[0].n === 0 ? true : undefined), {
        what: 'the queue empty',
      });
      expect(instancesOf(workflow.id)).toHaveLength(1);
      const decisions = (await decisionEvents(trigger.id)).filter((e) => e.payload.reason === 'trigger_deleted');
      expect(decisions.map((e) => e.payload.eventID).sort()).toEqual(sent.map((e) => e.id).filter((id) => id !== startedEvent).sort());
    }, 60_000);

    it('a billing event started through a policy gets its Solvimon EVENT record, as without one', async () => {
      const workflow = orchestrator.addWorkflow();
      const trigger = await create({ event: 'invoice.overdue', workflowID: workflow.id, filter: 'event.invoice_id == "inv_flow"', policy: { concurrency: [{ limit: 5 }] } });
      await publish('invoice.overdue', { invoice_id: 'inv_flow', customer_id: 'cust_flow', overdue: { period: { type: 'DAY', value: 3 } } });
      const [started] = await occurrencesWhen(trigger.id, 'started', (l) => l.some((o) => o.outcome === 'started'));
      const records = await eventually(async () => {
        const rows: Array<{ workflow_id: string; workflow_instance_id: string; occurrence_id: string; type: string }> = await db.query(
          `SELECT * FROM triggers.workflow_triggers WHERE customer_id = 'cust_flow'`,
        );
        return rows.length > 0 ? rows : undefined;
      }, { what: 'the EVENT record' });
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ workflow_id: workflow.id, type: 'EVENT', workflow_instance_id: started.workflowInstanceID, occurrence_id: started.id });
    }, 60_000);
  });
});
