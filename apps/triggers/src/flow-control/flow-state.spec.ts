import { randomUUID } from 'node:crypto';
import { JetStreamClient, StringCodec } from 'nats';
import { eventSubject, Trigger, TriggerFlowState } from '@wfp/contracts';
import { eventually, unwrap } from '@wfp/testing';
import { TriggersController } from '../formance/triggers.controller';
import { TriggersService } from '../formance/triggers.service';
import { FakeOrchestrator } from '../../test/fake-orchestrator';
import { startTriggersUnderTest, TriggersUnderTest } from '../../test/triggers-under-test';

/**
 * The flow-state command (`triggers.v1.triggers.flow-state`, its handler with the raw payload)
 * against real Postgres, events and instance ends over real JetStream: per-key running and
 * queued counts follow admissions and ends. (The command over NATS through the gateway:
 * e2e/src/triggers/flow-state.spec.ts.)
 */
describe('flow state of a trigger (real Postgres + NATS, fake orchestrator)', () => {
  let under: TriggersUnderTest;
  let js: JetStreamClient;
  let orchestrator: FakeOrchestrator;
  const sc = StringCodec();

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_flow_state');
    orchestrator = under.orchestrator;
    js = under.nc.jetstream();
  });

  afterAll(async () => {
    await under?.stop();
  });

  const publish = async (type: string, payload: Record<string, unknown>, app = 'tests', version = 'v1') => {
    const id = randomUUID();
    const envelope = { id, idempotency_key: id, date: new Date().toISOString(), app, version, type, payload };
    await js.publish(eventSubject(under.namespace, app, version, type), sc.encode(JSON.stringify(envelope)), { msgID: id });
  };
  const flowState = async (id: unknown) => under.app.get(TriggersController).flowState({ id });
  const stateWhen = (id: string, what: string, ok: (state: TriggerFlowState) => boolean) =>
    eventually(async () => {
      const reply = await flowState(id);
      return reply.ok && ok(reply.data) ? reply.data : undefined;
    }, { what, timeoutMs: 20_000 });
  const running = (workflowId: string) => [...orchestrator.instances.values()].filter((i) => i.workflowID === workflowId && !i.terminated);

  it('concurrency 2 per tenant: 3 events for A and 1 for B → A running 2 / queued 1, B running 1; an end admits the queued one', async () => {
    const workflow = orchestrator.addWorkflow();
    const trigger: Trigger = unwrap(
      await under.app.get(TriggersService).create({
        event: 'FLOW_STATE',
        workflowID: workflow.id,
        vars: { tenant: 'event.tenant' },
        policy: { concurrency: [{ key: 'vars.tenant', limit: 2 }] },
      }),
    );
    for (const tenant of ['A', 'A', 'A', 'B']) await publish('FLOW_STATE', { tenant });
    // The slots are taken when a start is admitted; its queue row goes when the start is recorded: wait for both.
    const state = await stateWhen(trigger.id, 'A 2 running 1 queued, B 1 running, no start in flight', (s) =>
      JSON.stringify(s.slots) === JSON.stringify([
        { rule: 0, key: 'A', running: 2, active: 2, queued: 1 },
        { rule: 0, key: 'B', running: 1, active: 1, queued: 0 },
      ]) && JSON.stringify(s.queues) === JSON.stringify([{ key: 'A', queued: 1, starting: 0 }]),
    );
    expect(state.triggerID).toBe(trigger.id);
    expect(state.queues).toEqual([{ key: 'A', queued: 1, starting: 0 }]);

    const first = running(workflow.id).find((i) => i.variables.tenant === 'A')!;
    first.terminated = true;
    await publish('SUCCEEDED_WORKFLOW', { id: workflow.id, instanceID: first.id }, 'orchestration', 'v2');
    const after = await stateWhen(trigger.id, 'the queued A admitted', (s) => s.queues.length === 0 && s.slots.find((k) => k.key === 'A')?.queued === 0);
    expect(after.slots).toEqual([
      { rule: 0, key: 'A', running: 2, active: 2, queued: 0 },
      { rule: 0, key: 'B', running: 1, active: 1, queued: 0 },
    ]);
  });

  it('a trigger without a policy has an empty state; an unknown or malformed id is NOT_FOUND', async () => {
    const workflow = orchestrator.addWorkflow();
    const plain: Trigger = unwrap(await under.app.get(TriggersService).create({ event: 'FLOW_PLAIN', workflowID: workflow.id }));
    const reply = await flowState(plain.id);
    expect(reply).toEqual({ ok: true, data: { triggerID: plain.id, slots: [], queues: [] } });
    const invalid = await flowState(42);
    expect(invalid.ok ? undefined : invalid.error.code).toBe('VALIDATION');
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const missing = await flowState(id);
      expect(missing.ok).toBe(false);
      if (!missing.ok) expect(missing.error.code).toBe('NOT_FOUND');
    }
  });
});
