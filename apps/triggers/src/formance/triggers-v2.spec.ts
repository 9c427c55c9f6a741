import { randomUUID } from 'node:crypto';
import { NatsConnection, StringCodec } from 'nats';
import { DataSource } from 'typeorm';
import { EventEnvelope, eventSubject, KeysetPage, Trigger } from '@wfp/contracts';
import { eventually, unwrap } from '@wfp/testing';
import { FakeOrchestrator } from '../../test/fake-orchestrator';
import { startTriggersUnderTest, TriggersUnderTest } from '../../test/triggers-under-test';
import { TriggersService } from './triggers.service';

describe('Formance v2 trigger operations in the triggers service (real Postgres + NATS, fake orchestrator)', () => {
  let under: TriggersUnderTest;
  let namespace: string;
  let nc: NatsConnection;
  let orchestrator: FakeOrchestrator;
  let triggers: TriggersService;
  let db: DataSource;

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_v2');
    ({ nc, orchestrator, namespace } = under);
    triggers = under.app.get(TriggersService);
    db = under.app.get(DataSource);
  });

  afterAll(async () => {
    await under?.stop();
  });

  it('keyset-pages triggers in (createdAt, id) order, ties on createdAt included, both directions', async () => {
    const workflow = orchestrator.addWorkflow();
    const created: Trigger[] = [];
    for (let i = 0; i < 9; i++) created.push(unwrap(await triggers.create({ event: 'PAGE', name: `page-${i}`, workflowID: workflow.id })));
    // Five of them share one instant: only the id orders them.
    await db.query(`UPDATE triggers.triggers SET created_at = '2026-01-01T00:00:00.5Z' WHERE id = ANY($1::uuid[])`, [created.slice(2, 7).map((t) => t.id)]);
    const all = unwrap(await triggers.list('page-')).map((t) => t.id);
    expect([...all].sort()).toEqual(created.map((t) => t.id).sort());

    const forward: string[] = [];
    let page: KeysetPage = { limit: 2 };
    for (;;) {
      const rows = unwrap(await triggers.list('page-', page));
      forward.push(...rows.map((t) => t.id));
      if (rows.length < 2) break;
      page = { limit: 2, after: { createdAt: rows[1].createdAt, id: rows[1].id } };
    }
    expect(forward).toEqual(all);

    const last = unwrap(await triggers.list('page-')).at(-1)!;
    const backward = unwrap(await triggers.list('page-', { limit: 3, before: { createdAt: last.createdAt, id: last.id } })).map((t) => t.id);
    expect(backward).toEqual(all.slice(-4, -1));
  });

  it('test evaluates the filter and vars exactly as matching does, and records nothing', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger = unwrap(
      await triggers.create({
        event: 'TRY',
        workflowID: workflow.id,
        filter: 'event.amount > 10 && hasPrefix(event.ref, "inv")',
        vars: { amount: 'event.amount', missing: 'event.nope', list: '[1, 2]' },
      }),
    );
    const payload = { amount: 25, ref: 'inv-1' };
    expect(unwrap(await triggers.test(trigger.id, payload))).toEqual({
      filter: { match: true },
      variables: { amount: { value: '25' }, missing: { value: '<nil>' }, list: { value: '[1,2]' } },
    });
    expect(unwrap(await triggers.test(trigger.id, { amount: 5, ref: 'inv-1' }))).toEqual({ filter: { match: false } });
    const failing = unwrap(await triggers.test(trigger.id, { amount: 'x', ref: 'inv-1' }));
    expect(failing.filter).toEqual({ match: false, error: expect.any(String) });
    expect(failing.variables).toBeUndefined();
    const noVars = unwrap(await triggers.create({ event: 'TRY-NO-VARS', workflowID: workflow.id }));
    expect(unwrap(await triggers.test(noVars.id, payload))).toEqual({});
    expect(await triggers.test(randomUUID(), payload)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await triggers.test('nope', payload)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(unwrap(await triggers.listOccurrences(trigger.id))).toEqual([]);
    expect(orchestrator.starts.filter((start) => start.workflowId === workflow.id)).toEqual([]);

    // The same event through matching: the instance gets the variables test reported.
    const sc = StringCodec();
    const envelope: EventEnvelope = { id: randomUUID(), idempotency_key: 'k', date: new Date().toISOString(), app: 'tests', version: 'v1', type: 'TRY', payload };
    await nc.jetstream().publish(eventSubject(namespace, 'tests', 'v1', 'TRY'), sc.encode(JSON.stringify(envelope)), { msgID: envelope.id });
    const [occurrence] = await eventually(async () => {
      const list = unwrap(await triggers.listOccurrences(trigger.id));
      return list.length === 1 ? list : undefined;
    }, { what: 'the occurrence' });
    expect(occurrence.error).toBeUndefined();
    expect(occurrence.workflowInstanceID).toEqual(expect.any(String));
    expect(orchestrator.starts.filter((start) => start.workflowId === workflow.id).map((start) => start.variables)).toEqual([
      { amount: '25', missing: '<nil>', list: '[1,2]' },
    ]);
  });
});
