import { randomUUID } from 'node:crypto';
import { JetStreamClient, NatsConnection, StringCodec } from 'nats';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { EventEnvelope, eventsStreamName, eventSubject, Trigger, WorkflowTrigger } from '@wfp/contracts';
import { eventually, unwrap } from '@wfp/testing';
import { TriggersService } from '../formance/triggers.service';
import { WorkflowTriggersService } from '../workflow-triggers/workflow-triggers.service';
import { FakeOrchestrator } from '../../test/fake-orchestrator';
import { startTriggersUnderTest, TriggersUnderTest } from '../../test/triggers-under-test';

describe('trigger matching (real Postgres + NATS/JetStream, fake orchestrator responder)', () => {
  let under: TriggersUnderTest;
  let namespace: string;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let orchestrator: FakeOrchestrator;
  let triggers: TriggersService;
  let workflowTriggers: WorkflowTriggersService;
  let db: DataSource;
  const sc = StringCodec();

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_matching', { TRIGGERS_MAX_CHAIN_DEPTH: '2', TRIGGERS_CONSUMER_MAX_DELIVER: '2' });
    ({ nc, orchestrator, namespace } = under);
    js = nc.jetstream();
    triggers = under.app.get(TriggersService);
    workflowTriggers = under.app.get(WorkflowTriggersService);
    db = under.app.get(DataSource);
  });

  afterAll(async () => {
    await under?.stop();
  });

  let published = 0;
  async function publish(
    type: string,
    payload: Record<string, unknown>,
    options: { id?: string; version?: string; app?: string; chainDepth?: number } = {},
  ): Promise<EventEnvelope> {
    const envelope: EventEnvelope = {
      id: options.id ?? randomUUID(),
      idempotency_key: options.id ?? randomUUID(),
      date: new Date().toISOString(),
      app: options.app ?? 'tests',
      version: options.version ?? 'v1',
      type,
      payload,
      ...(options.chainDepth !== undefined ? { chain_depth: options.chainDepth } : {}),
    };
    // A fresh Nats-Msg-Id each time, so a re-published event id reaches the consumer again.
    await js.publish(eventSubject(namespace, envelope.app, envelope.version, type), sc.encode(JSON.stringify(envelope)), {
      msgID: `${envelope.id}-${published++}`,
    });
    return envelope;
  }

  async function createTrigger(data: Record<string, unknown>): Promise<Trigger> {
    return unwrap(await triggers.create(data));
  }

  const occurrences = async (triggerId: string) => unwrap(await triggers.listOccurrences(triggerId));

  async function streamEvents(type: string): Promise<EventEnvelope[]> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(eventsStreamName(namespace));
    const out: EventEnvelope[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const msg = await jsm.streams.getMessage(eventsStreamName(namespace), { seq }).catch(() => undefined);
      if (!msg) continue;
      const envelope = JSON.parse(sc.decode(msg.data)) as EventEnvelope;
      if (envelope.type === type) out.push(envelope);
    }
    return out;
  }

  describe('createTrigger validation (upstream order and messages)', () => {
    it('checks event, then workflow id, then expressions, then the workflow', async () => {
      const workflow = orchestrator.addWorkflow();
      const deleted = orchestrator.addWorkflow(true);
      const error = async (data: unknown) => {
        const reply = await triggers.create(data);
        if (reply.ok) throw new Error('expected an error');
        return reply.error;
      };
      expect(await error({ workflowID: workflow.id, filter: '((' })).toEqual({ code: 'VALIDATION', message: 'validating data: missing event' });
      expect(await error({ event: 'X', filter: '((' })).toEqual({ code: 'VALIDATION', message: 'validating data: missing workflow id' });
      expect((await error({ event: 'X', workflowID: 'nope', filter: 'event.a ==' })).message).toMatch(
        /^validating data: error compiling expression 'event.a ==': /,
      );
      expect((await error({ event: 'X', workflowID: 'nope', vars: { v: '1 +' } })).message).toMatch(/error compiling expression '1 \+'/);
      expect(await error({ event: 'X', workflowID: 'nope' })).toEqual({ code: 'NOT_FOUND', message: 'workflow does not exists' });
      expect(await error({ event: 'X', workflowID: deleted.id })).toEqual({ code: 'NOT_FOUND', message: 'workflow does not exists' });
      expect((await error({ event: 'X', workflowID: workflow.id, vars: { v: 1 } })).code).toBe('VALIDATION');
      expect((await error({ event: 5, workflowID: workflow.id })).code).toBe('VALIDATION');
      expect((await error([1])).code).toBe('VALIDATION');
    });

    it('stores cancel_on (extension), reads it back, and refuses a bad one with a 400 naming the field', async () => {
      const workflow = orchestrator.addWorkflow();
      const cancelOn = [
        { event: 'order.cancelled', if: 'async.order_id == event.order_id', within: '1h' },
        { event: 'order.refunded', lookback: '5m' },
      ];
      const trigger = await createTrigger({ event: 'CANCEL_ON', workflowID: workflow.id, cancel_on: cancelOn });
      expect(trigger.cancel_on).toEqual(cancelOn);
      expect(unwrap(await triggers.get(trigger.id)).cancel_on).toEqual(cancelOn);
      expect(unwrap(await triggers.list()).find((t) => t.id === trigger.id)!.cancel_on).toEqual(cancelOn);
      expect(await createTrigger({ event: 'CANCEL_ON', workflowID: workflow.id })).not.toHaveProperty('cancel_on');

      const error = async (cancel_on: unknown) => {
        const reply = await triggers.create({ event: 'CANCEL_ON', workflowID: workflow.id, cancel_on });
        if (reply.ok) throw new Error('expected an error');
        return reply.error;
      };
      expect(await error([{ event: 'order.cancelled', within: 'soon' }])).toEqual({
        code: 'VALIDATION',
        message: 'validating data: cancel_on[0].within: must be a duration like 500ms, 10s, 5m, 1h or 1d',
      });
      expect((await error([{ event: 'a' }, { event: 'b', lookback: '2d' }])).message).toBe('validating data: cancel_on[1].lookback: must be at most 1d');
      expect((await error([{ event: 'order.cancelled', if: 'async.id ==' }])).message).toMatch(
        /^validating data: cancel_on\[0\]\.if: error compiling expression 'async\.id ==': /,
      );
      expect((await error([{ event: 'a', unknown: 1 }])).message).toMatch(/^validating data: cancel_on\[0\]: /);
      expect((await error([])).message).toMatch(/^validating data: cancel_on: /);
      expect((await error('order.cancelled')).code).toBe('VALIDATION');
      // Upstream's fields are checked first.
      expect(await triggers.create({ workflowID: workflow.id, cancel_on: 'x' })).toEqual({ ok: false, error: { code: 'VALIDATION', message: 'validating data: missing event' } });
    });

    it('lists by case-insensitive name substring (wildcards are literal), reads and soft-deletes', async () => {
      const workflow = orchestrator.addWorkflow();
      const a = await createTrigger({ event: 'LIST', workflowID: workflow.id, name: 'Payments 100% Fast' });
      const b = await createTrigger({ event: 'LIST', workflowID: workflow.id, name: 'slow_payments' });
      expect(a).toMatchObject({ event: 'LIST', workflowID: workflow.id, name: 'Payments 100% Fast' });
      expect(a.filter).toBeUndefined();
      const names = async (name?: string) => unwrap(await triggers.list(name)).filter((t) => t.event === 'LIST').map((t) => t.id);
      expect(await names('PAYMENTS')).toEqual([a.id, b.id]);
      expect(await names('100%')).toEqual([a.id]);
      expect(await names('%')).toEqual([a.id]);
      expect(await names('_p')).toEqual([b.id]);
      expect(await names("'; DROP TABLE triggers.triggers; --")).toEqual([]);
      expect(unwrap(await triggers.get(a.id)).id).toBe(a.id);
      expect(unwrap(await triggers.delete(a.id))).toEqual({});
      expect(await triggers.delete(a.id)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await triggers.get(a.id)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await triggers.get('not-a-uuid')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(await names()).toEqual([b.id]);
      expect(await occurrences(randomUUID())).toEqual([]);
    });
  });

  it('sends a trigger’s cancel_on with its origin and the event’s payload on every start', async () => {
    const workflow = orchestrator.addWorkflow();
    const cancelOn = [{ event: 'order.cancelled', if: 'async.order == event.order', within: '10m' }];
    const trigger = await createTrigger({ event: 'order.placed', workflowID: workflow.id, vars: { order: 'event.order' }, cancel_on: cancelOn });
    const envelope = await publish('order.placed', { order: 'o-7', total: 12 });
    const start = await eventually(async () => orchestrator.starts.find((s) => s.idempotencyKey === `trigger:${trigger.id}:${envelope.id}`), {
      what: 'the start',
    });
    expect(start).toEqual({
      workflowId: workflow.id,
      variables: { order: 'o-7' },
      idempotencyKey: `trigger:${trigger.id}:${envelope.id}`,
      chainDepth: 0,
      origin: { triggerId: trigger.id, eventId: envelope.id },
      triggerEvent: { order: 'o-7', total: 12 },
      cancelOn,
    });
  });

  it('fires a matching trigger once per event: instance, occurrence, SUCCEEDED_TRIGGER', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await createTrigger({
      event: 'intervention.opened',
      workflowID: workflow.id,
      filter: 'event.source_id == "src-1" && hasPrefix(event.thread_id, "th")',
      vars: { intervention: 'event.id', amount: 'event.amount', missing: 'event.nope' },
    });
    const other = await createTrigger({ event: 'intervention.opened', workflowID: workflow.id, filter: 'event.source_id == "other"' });
    const erroring = await createTrigger({ event: 'intervention.opened', workflowID: workflow.id, filter: 'event.nope.deeper == 1' });
    const nonBool = await createTrigger({ event: 'intervention.opened', workflowID: workflow.id, filter: 'event.source_id' });
    const envelope = await publish('intervention.opened', { id: 'i-1', source_id: 'src-1', thread_id: 'th-9', amount: 1200000 });

    const [occurrence] = await eventually(async () => {
      const list = await occurrences(trigger.id);
      return list.length ? list : undefined;
    }, { what: 'an occurrence' });
    expect(occurrence.event).toEqual(envelope);
    expect(occurrence.workflowInstanceID).toBeDefined();
    expect(occurrence.workflowInstance).toMatchObject({ id: occurrence.workflowInstanceID, workflowID: workflow.id });
    expect(occurrence.error).toBeUndefined();
    const start = orchestrator.starts.find((s) => s.idempotencyKey === `trigger:${trigger.id}:${envelope.id}`);
    expect(start).toEqual({
      workflowId: workflow.id,
      variables: { intervention: 'i-1', amount: '1200000', missing: '<nil>' },
      idempotencyKey: `trigger:${trigger.id}:${envelope.id}`,
      chainDepth: 0,
      origin: { triggerId: trigger.id, eventId: envelope.id },
      triggerEvent: envelope.payload,
    });
    const succeeded = await eventually(async () => {
      const events = (await streamEvents('SUCCEEDED_TRIGGER')).filter((e) => e.payload.triggerID === trigger.id);
      return events.length ? events : undefined;
    }, { what: 'SUCCEEDED_TRIGGER on the stream' });
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject({
      app: 'orchestration',
      version: 'v2',
      payload: { id: occurrence.id, triggerID: trigger.id, workflowInstanceID: occurrence.workflowInstanceID },
    });

    // The same event again (a re-publish with another Nats-Msg-Id): no second start, no second occurrence.
    const startsBefore = orchestrator.starts.length;
    await publish('intervention.opened', envelope.payload, { id: envelope.id });
    const marker = await publish('intervention.opened', { id: 'i-2', source_id: 'src-1', thread_id: 'th-2', amount: 1 });
    await eventually(async () => (await occurrences(trigger.id)).some((o) => (o.event as { id: string }).id === marker.id), { what: 'the marker event' });
    expect((await occurrences(trigger.id)).filter((o) => (o.event as { id: string }).id === envelope.id)).toHaveLength(1);
    expect(orchestrator.starts.slice(startsBefore).map((s) => s.idempotencyKey)).toEqual([`trigger:${trigger.id}:${marker.id}`]);
    // Non-matching, erroring and non-boolean filters: no occurrence.
    for (const t of [other, erroring, nonBool]) expect(await occurrences(t.id)).toEqual([]);
  });

  it('triggers without a policy: flow control adds no SQL to matching (not even for instance ends); the record is one statement', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await createTrigger({ event: 'HOT_PATH', workflowID: workflow.id });
    await publish('HOT_PATH', { warm: true }); // fills the candidate cache
    await eventually(async () => ((await occurrences(trigger.id)).length === 1 ? true : undefined), { what: 'the warm-up occurrence' });
    const statements: string[] = [];
    const original = Client.prototype.query;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (text) statements.push(text);
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;
    try {
      await publish('SUCCEEDED_WORKFLOW', { id: workflow.id, instanceID: randomUUID() }, { app: 'orchestration', version: 'v2' });
      await publish('HOT_PATH', { n: 1 });
      await eventually(async () => ((await occurrences(trigger.id)).length === 2 ? true : undefined), { what: 'the occurrence' });
    } finally {
      Client.prototype.query = original;
    }
    // The admission sweep and its pruning (outside matching, on timers) are the only flow-control SQL.
    const sweep = /^(SELECT DISTINCT trigger_id FROM triggers\.flow_queue |DELETE FROM triggers\.flow_\w+ WHERE (expires_at|tat|ended_at) <)/;
    const flowControl = statements.filter((sql) => /triggers\.flow_|policy IS NOT NULL|jsonb_path_exists/.test(sql) && !sweep.test(sql));
    expect(flowControl).toEqual([]);
    // Before the start, one read: the trigger set's generation with the batch's events already applied.
    expect(statements.some((sql) => /^SELECT \(SELECT value FROM triggers\.generation WHERE id = 1\) AS generation,\s+ARRAY\(SELECT event_id FROM triggers\.inbox/.test(sql))).toBe(true);
    expect(statements.filter((sql) => /^SELECT event_id FROM "?triggers"?\.inbox/.test(sql))).toEqual([]);
    // The event's record — inbox, occurrence, SUCCEEDED_TRIGGER through the outbox — is one statement.
    expect(statements.filter((sql) => /INSERT INTO triggers\.occurrences/.test(sql))).toEqual([expect.stringMatching(/^WITH inbox AS \(\s+INSERT INTO triggers\.inbox/)]);
  });

  it('matches on type and version, never fires deleted triggers', async () => {
    const workflow = orchestrator.addWorkflow();
    const v2 = await createTrigger({ event: 'VERSIONED', workflowID: workflow.id, version: 'v2' });
    const any = await createTrigger({ event: 'VERSIONED', workflowID: workflow.id });
    const deleted = await createTrigger({ event: 'VERSIONED', workflowID: workflow.id });
    unwrap(await triggers.delete(deleted.id));
    await publish('VERSIONED', { n: 1 }, { version: 'v1' });
    await publish('VERSIONED', { n: 2 }, { version: 'v2' });
    await eventually(async () => (await occurrences(any.id)).length === 2, { what: 'two occurrences' });
    const v2Occurrences = await eventually(async () => {
      const list = await occurrences(v2.id);
      return list.length ? list : undefined;
    });
    expect(v2Occurrences.map((o) => (o.event as EventEnvelope).version)).toEqual(['v2']);
    expect(await occurrences(deleted.id)).toEqual([]);
  });

  it('records a vars error as an occurrence with error, no instance, FAILED_TRIGGER', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await createTrigger({ event: 'VARS_ERR', workflowID: workflow.id, vars: { x: 'event.a / 0' } });
    const startsBefore = orchestrator.starts.length;
    await publish('VARS_ERR', { a: 1 });
    const [occurrence] = await eventually(async () => {
      const list = await occurrences(trigger.id);
      return list.length ? list : undefined;
    });
    expect(occurrence.error).toMatch(/^var 'x': /);
    expect(occurrence.workflowInstanceID).toBeUndefined();
    expect(orchestrator.starts.length).toBe(startsBefore);
    const failed = await eventually(async () => {
      const events = (await streamEvents('FAILED_TRIGGER')).filter((e) => e.payload.triggerID === trigger.id);
      return events.length ? events : undefined;
    });
    expect(failed[0].payload).toEqual({ id: occurrence.id, triggerID: trigger.id, error: occurrence.error });
  });

  it('retries when the orchestrator fails, and still starts exactly one instance', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await createTrigger({ event: 'RETRY', workflowID: workflow.id });
    orchestrator.failNextStarts.push({ ok: false, error: { code: 'INTERNAL', message: 'database down' } });
    const envelope = await publish('RETRY', {});
    const [occurrence] = await eventually(async () => {
      const list = await occurrences(trigger.id);
      return list.length ? list : undefined;
    }, { timeoutMs: 15_000 });
    expect(occurrence.workflowInstanceID).toBeDefined();
    const attempts = orchestrator.starts.filter((s) => s.idempotencyKey === `trigger:${trigger.id}:${envelope.id}`);
    expect(attempts).toHaveLength(2);
  });

  it('dead-letters an event that still fails at its last delivery, with the reason', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await createTrigger({ event: 'POISON', workflowID: workflow.id });
    orchestrator.failNextStarts.push(
      { ok: false, error: { code: 'INTERNAL', message: 'boom 1' } },
      { ok: false, error: { code: 'INTERNAL', message: 'boom 2' } },
    );
    const envelope = await publish('POISON', {});
    const rows = await eventually(async () => {
      const found: Array<{ reason: string; deliveries: number; data: string }> = await db.query(
        `SELECT reason, deliveries, data FROM triggers.dead_letters WHERE subject LIKE '%.POISON'`,
      );
      return found.length ? found : undefined;
    }, { timeoutMs: 15_000 });
    expect(rows[0].reason).toMatch(/orchestrator could not start workflow .*INTERNAL boom 2/);
    expect(rows[0].deliveries).toBe(2);
    expect(JSON.parse(rows[0].data)).toEqual(envelope);
    expect(await occurrences(trigger.id)).toEqual([]);
  });

  it('dead-letters an invalid envelope with the reason', async () => {
    // The matcher reads only types some trigger matches: an invalid envelope of such a type.
    await createTrigger({ event: 'BROKEN', workflowID: orchestrator.addWorkflow().id });
    await js.publish(`${namespace}.events.tests.v1.BROKEN`, sc.encode('{"not":"an envelope"}'));
    const rows = await eventually(async () => {
      const found: Array<{ reason: string; subject: string }> = await db.query(`SELECT reason, subject FROM triggers.dead_letters WHERE subject LIKE '%BROKEN'`);
      return found.length ? found : undefined;
    });
    expect(rows[0].reason).toMatch(/invalid event envelope/);
  });

  it('does not loop on its own lifecycle events; chains stop at TRIGGERS_MAX_CHAIN_DEPTH', async () => {
    const workflow = orchestrator.addWorkflow();
    // Fires on every SUCCEEDED_TRIGGER but its own: with a second such trigger they would feed each other forever.
    const a = await createTrigger({ event: 'SUCCEEDED_TRIGGER', workflowID: workflow.id, name: 'chain-a' });
    const b = await createTrigger({ event: 'SUCCEEDED_TRIGGER', workflowID: workflow.id, name: 'chain-b' });
    const root = await createTrigger({ event: 'CHAIN_ROOT', workflowID: workflow.id });
    await publish('CHAIN_ROOT', {});
    await eventually(async () => (await occurrences(root.id)).length === 1);
    // root (depth 0) → a, b at depth 1 → each fires the other at depth 2 → depth 3 > 2 stops.
    await eventually(async () => (await occurrences(a.id)).length === 2 && (await occurrences(b.id)).length === 2, {
      what: 'the bounded chain',
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await occurrences(a.id)).length).toBe(2);
    expect((await occurrences(b.id)).length).toBe(2);
    unwrap(await triggers.delete(a.id));
    unwrap(await triggers.delete(b.id));
  });

  it('events published by workflows carry their chain depth: the guard applies to workflow → event → trigger loops', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await createTrigger({ event: 'escalation.created', workflowID: workflow.id });
    // A root event (no depth) starts the workflow at depth 0; the orchestrator is told the depth.
    const root = await publish('escalation.created', { n: 0 }, { app: 'orchestration' });
    // Published by a workflow the chain started at depth 1: depth 2 still fires (limit 2)…
    const deeper = await publish('escalation.created', { n: 2 }, { app: 'orchestration', chainDepth: 2 });
    // …depth 3 fires nothing.
    await publish('escalation.created', { n: 3 }, { app: 'orchestration', chainDepth: 3 });
    await eventually(async () => (await occurrences(trigger.id)).length === 2, { what: 'two firings' });
    const starts = orchestrator.starts.filter((start) => start.workflowId === workflow.id);
    expect(starts.map((start) => [start.idempotencyKey, (start as { chainDepth?: number }).chainDepth]).sort()).toEqual(
      [
        [`trigger:${trigger.id}:${root.id}`, 0],
        [`trigger:${trigger.id}:${deeper.id}`, 2],
      ].sort(),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await occurrences(trigger.id)).toHaveLength(2);
    unwrap(await triggers.delete(trigger.id));
  });

  it('stores a Solvimon EVENT record when a billing event starts a workflow', async () => {
    const workflow = orchestrator.addWorkflow();
    await createTrigger({ event: 'invoice.overdue', workflowID: workflow.id, vars: { invoice: 'event.invoice_id' } });
    await publish('invoice.overdue', {
      invoice_id: 'inv_1',
      customer_id: 'cust_1',
      overdue: { period: { type: 'DAY', value: 7 } },
    });
    const found = await eventually(async () => {
      const reply = unwrap(
        await workflowTriggers.search({
          platformId: '',
          search: { filter_fields: [{ name: 'invoice_id', values: ['inv_1'] }] },
          page: 1,
          limit: 10,
          orderBy: 'created_at',
          orderDirection: 'asc',
        }),
      );
      return reply.total === 1 ? reply.data : undefined;
    });
    expect(found[0]).toMatchObject<Partial<WorkflowTrigger>>({
      object_type: 'WORKFLOW_TRIGGER',
      type: 'EVENT',
      workflow_id: workflow.id,
      customer_id: 'cust_1',
      invoice: { invoice_id: 'inv_1', event: { variant: 'OVERDUE', overdue: { period: { type: 'DAY', value: 7 } } } },
    });
    expect(found[0].id).toMatch(/^wftr_[0-9A-Za-z]{20}$/);
  });

  it('creates MANUAL workflow triggers: variables, idempotency, unknown workflow', async () => {
    const workflow = orchestrator.addWorkflow();
    const body = {
      type: 'MANUAL' as const,
      workflow_id: workflow.id,
      customer_id: 'cust_9',
      invoice: { invoice_id: 'inv_9', manual: { variant: 'OVERDUE' as const, overdue: { period: { type: 'WEEK' as const, value: 2 } } } },
    };
    const created = unwrap(await workflowTriggers.create({ platformId: 'plat_a', body, idempotencyKey: 'k1', bodyHash: 'h1' }));
    expect(created.replayed).toBe(false);
    expect(created.trigger).toEqual({
      object_type: 'WORKFLOW_TRIGGER',
      id: created.trigger.id,
      customer_id: 'cust_9',
      workflow_id: workflow.id,
      type: 'MANUAL',
      invoice: { invoice_id: 'inv_9', event: null, manual: { user_id: null, variant: 'OVERDUE', overdue: { period: { type: 'WEEK', value: 2 } } } },
    });
    const start = orchestrator.starts.find((s) => s.idempotencyKey === `workflow-trigger:${created.trigger.id}`);
    expect(start?.variables).toEqual({
      trigger_id: created.trigger.id,
      trigger_type: 'MANUAL',
      target_type: 'INVOICE',
      customer_id: 'cust_9',
      invoice_id: 'inv_9',
      variant: 'OVERDUE',
      overdue_period_type: 'WEEK',
      overdue_period_value: '2',
    });
    const replay = unwrap(await workflowTriggers.create({ platformId: 'plat_a', body, idempotencyKey: 'k1', bodyHash: 'h1' }));
    expect(replay).toEqual({ trigger: created.trigger, replayed: true });
    expect(await workflowTriggers.create({ platformId: 'plat_a', body, idempotencyKey: 'k1', bodyHash: 'other' })).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', details: { solvimonCode: 'IDEMPOTENCY_CHECK_FAILED' } },
    });
    // Same key on another platform is another request.
    expect(unwrap(await workflowTriggers.create({ platformId: 'plat_b', body, idempotencyKey: 'k1', bodyHash: 'x' })).replayed).toBe(false);
    expect(await workflowTriggers.create({ platformId: 'plat_a', body: { ...body, workflow_id: 'wf_nope' } })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', details: { solvimonCode: 'RESOURCE_NOT_FOUND', resource_type: 'WORKFLOW', resource_id: 'wf_nope' } },
    });
    expect(unwrap(await workflowTriggers.get('plat_a', created.trigger.id))).toEqual(created.trigger);
    expect(await workflowTriggers.get('plat_b', created.trigger.id)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('matches a burst in batches: start-many first, no transaction open during a start, each event once', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = await createTrigger({ event: 'BURST', workflowID: workflow.id, filter: 'event.n >= 0', vars: { n: 'event.n' } });
    const databaseName = decodeURIComponent(new URL(under.database.url).pathname.slice(1));
    // A slow orchestrator: any transaction open when a start began and still open 100 ms later
    // was held across the call (the matcher's own transactions last a few milliseconds).
    const heldAcrossStarts: number[] = [];
    orchestrator.beforeStartMany = async () => {
      const [{ now }]: Array<{ now: Date }> = await db.query(`SELECT clock_timestamp() AS now`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [{ held }]: Array<{ held: number }> = await db.query(
        `SELECT count(*)::int AS held FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND xact_start < $2`,
        [databaseName, now],
      );
      heldAcrossStarts.push(held);
    };
    const batchesBefore = orchestrator.startManyBatches.length;
    const count = async () => Number((await db.query(`SELECT count(*) AS n FROM triggers.occurrences WHERE trigger_id = $1`, [trigger.id]))[0].n);
    try {
      await Promise.all(Array.from({ length: 200 }, (_, n) => publish('BURST', { n })));
      await eventually(async () => (await count()) === 200, { what: '200 occurrences', timeoutMs: 30_000 });
    } finally {
      orchestrator.beforeStartMany = undefined;
    }
    const batches = orchestrator.startManyBatches.slice(batchesBefore);
    expect(batches.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...batches)).toBeGreaterThan(1);
    expect(heldAcrossStarts.length).toBeGreaterThan(0);
    expect(heldAcrossStarts.every((held) => held === 0)).toBe(true);
    const rows: Array<{ workflow_instance_id: string }> = await db.query(
      `SELECT workflow_instance_id FROM triggers.occurrences WHERE trigger_id = $1`,
      [trigger.id],
    );
    expect(new Set(rows.map((r) => r.workflow_instance_id)).size).toBe(200);
    const variables = rows.map((r) => orchestrator.instances.get(r.workflow_instance_id)!.variables.n).sort((a, b) => Number(a) - Number(b));
    expect(variables).toEqual(Array.from({ length: 200 }, (_, n) => String(n)));
  });

  it('fires range filters at 10,000 triggers through the index (only the matching ones)', async () => {
    const workflow = orchestrator.addWorkflow();
    const matching = await createTrigger({ event: 'AMOUNT', workflowID: workflow.id, filter: 'event.amount > 100' });
    await db.query(
      `INSERT INTO triggers.triggers (id, event, workflow_id, filter, created_at)
       SELECT gen_random_uuid(), 'AMOUNT', $1, format('event.amount > %s', 1000000 + i), now() FROM generate_series(1, 9999) AS i`,
      [workflow.id],
    );
    await db.query(`UPDATE triggers.generation SET value = value + 1 WHERE id = 1`);
    await publish('AMOUNT', { amount: 500 });
    await eventually(async () => (await occurrences(matching.id)).length === 1, { what: 'the matching occurrence' });
    const big = await publish('AMOUNT', { amount: 1000003 });
    await eventually(async () => {
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM triggers.occurrences WHERE event_id = $1`, [big.id]);
      return n === 3; // `> 100`, `> 1000001`, `> 1000002`
    }, { what: 'the matching occurrences of a large amount' });
  });

  it('MANUAL creates with the same key at once: one record, one instance, no transaction during the start', async () => {
    const workflow = orchestrator.addWorkflow();
    const body = {
      type: 'MANUAL' as const,
      workflow_id: workflow.id,
      invoice: { invoice_id: 'inv_same', manual: { variant: 'OVERDUE' as const, overdue: { period: { type: 'DAY' as const, value: 1 } } } },
    };
    const replies = (
      await Promise.all([1, 2, 3].map(() => workflowTriggers.create({ platformId: 'plat_same', body, idempotencyKey: 'same-key', bodyHash: 'h' })))
    ).map(unwrap);
    const ids = new Set(replies.map((r) => r.trigger.id));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect([...orchestrator.instances.values()].filter((i) => i.variables.trigger_id === id)).toHaveLength(1);
    expect(unwrap(await workflowTriggers.get('plat_same', id))).toEqual(replies[0].trigger);
  });
});
