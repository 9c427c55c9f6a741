import { SDK } from '@formance/formance-sdk';
import { INTERVENTIONS_APP, INTERVENTIONS_EVENTS_VERSION, InterventionEventPayload } from '@wfp/contracts';
import { eventually, OpenApiResponseValidator, PlatformUnderTest, itConformsToVendorSpec } from '@wfp/testing';
import { Bus, CLIENT_ID, CLIENT_SECRET, sdkFor, token } from './helpers';

/**
 * The core loop of the platform: an `intervention.opened` event on the bus fires a trigger whose
 * workflow (delay, then wait_event) runs in the real orchestrator to success.
 */
describe('core loop: bus event → trigger → workflow instance → SUCCEEDED_TRIGGER', () => {
  let platform: PlatformUnderTest;
  let sdk: SDK;
  let bus: Bus;
  let validator: OpenApiResponseValidator;
  let bearer: string;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'trg_loop',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50' },
    });
    sdk = sdkFor(platform);
    bus = await Bus.connect(platform.namespace);
    validator = await OpenApiResponseValidator.load('formance-v1');
    bearer = await token(platform);
  }, 90_000);

  afterAll(async () => {
    await bus?.close();
    await platform?.stop();
  });

  const payload = (source: string, id: string): InterventionEventPayload => ({
    id,
    source_id: source,
    thread_id: '65f000000000000000000001',
    user_id: null,
    identity_id: '65f000000000000000000002',
    category_ids: [],
    closed_at: null,
    deferred_at: null,
    custom_field_values: {},
    acting_user_id: null,
  });

  it('runs the loop once per event, even when the event is published twice', async () => {
    const v1 = sdk.orchestration.v1;
    const workflow = (
      await v1.createWorkflow({ name: 'on-intervention', stages: [{ delay: { duration: '200ms' } }, { wait_event: { event: 'resolved' } }] })
    ).createWorkflowResponse!.data;
    const created = await v1.createTrigger({
      name: 'Escalate intervention',
      event: 'intervention.opened',
      workflowID: workflow.id,
      filter: 'event.source_id == "65f0000000000000000000aa"',
      vars: { intervention: 'event.id' },
    });
    expect(created.statusCode).toBe(201);
    const trigger = created.createTriggerResponse!.data;
    const other = (await v1.createTrigger({ event: 'intervention.opened', workflowID: workflow.id, filter: 'event.source_id == "nope"' }))
      .createTriggerResponse!.data;

    const envelope = bus.envelope(INTERVENTIONS_APP, INTERVENTIONS_EVENTS_VERSION, 'intervention.opened', payload('65f0000000000000000000aa', '65f0000000000000000000i1'));
    await bus.publish(envelope);
    await bus.publish(envelope, `${envelope.id}-again`); // republished past JetStream's dedupe: the inbox catches it

    const occurrence = await eventually(async () => {
      const list = (await v1.listTriggersOccurrences({ triggerID: trigger.id })).listTriggersOccurrencesResponse!.data;
      return list.length ? list[0] : undefined;
    }, { what: 'the occurrence', timeoutMs: 20_000 });
    expect(occurrence.triggerID).toBe(trigger.id);
    expect(occurrence.event).toEqual(envelope);
    const instanceId = occurrence.workflowInstanceID!;
    expect(instanceId).toBeDefined();
    expect(occurrence.workflowInstance).toMatchObject({ id: instanceId, workflowID: workflow.id });

    // The instance reaches wait_event (after the delay), gets the event, and succeeds.
    await eventually(async () => (await v1.getInstance({ instanceID: instanceId })).getWorkflowInstanceResponse!.data.status?.length === 2, {
      what: 'the wait_event stage',
      timeoutMs: 20_000,
    });
    expect((await v1.sendEvent({ instanceID: instanceId, requestBody: { name: 'resolved' } })).statusCode).toBe(204);
    const done = await eventually(async () => {
      const instance = (await v1.getInstance({ instanceID: instanceId })).getWorkflowInstanceResponse!.data;
      return instance.terminated ? instance : undefined;
    }, { what: 'the instance to terminate' });
    expect(done.error).toBeUndefined();

    const succeeded = await eventually(async () => {
      const events = (await bus.events('SUCCEEDED_TRIGGER')).filter((e) => e.payload.triggerID === trigger.id);
      return events.length ? events : undefined;
    }, { what: 'SUCCEEDED_TRIGGER on the stream' });
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]).toMatchObject({ app: 'orchestration', version: 'v2', payload: { triggerID: trigger.id, workflowInstanceID: instanceId } });
    expect((await bus.events('SUCCEEDED_WORKFLOW')).filter((e) => e.payload.instanceID === instanceId)).toHaveLength(1);

    // One instance only, for the two publications; the non-matching trigger has no occurrence.
    const runs = (await v1.listInstances({ workflowID: workflow.id })).listRunsResponse!.data;
    expect(runs.map((r) => r.id)).toEqual([instanceId]);
    expect((await v1.listTriggersOccurrences({ triggerID: trigger.id })).listTriggersOccurrencesResponse!.data).toHaveLength(1);
    expect((await v1.listTriggersOccurrences({ triggerID: other.id })).listTriggersOccurrencesResponse!.data).toEqual([]);

    // The occurrences body matches the v1 spec.
    const res = await fetch(`${platform.url}/api/orchestration/triggers/${trigger.id}/occurrences`, { headers: { Authorization: `Bearer ${bearer}` } });
    validator.assertValid('get', '/triggers/{triggerID}/occurrences', 200, await res.json());
  }, 60_000);

  it('POST /api/events publishes onto the bus for clients without NATS (and fires triggers once per id)', async () => {
    const v1 = sdk.orchestration.v1;
    const workflow = (await v1.createWorkflow({ name: 'from-http', stages: [{ noop: {} }] })).createWorkflowResponse!.data;
    const trigger = (await v1.createTrigger({ event: 'order.placed', workflowID: workflow.id, vars: { total: 'event.total' } }))
      .createTriggerResponse!.data;
    const post = (body: unknown, auth = true) =>
      fetch(`${platform.url}/api/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: `Bearer ${bearer}` } : {}) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const event = { id: 'order-1', app: 'shop', version: 'v1', type: 'order.placed', payload: { total: 12.5 } };
    const first = await post(event);
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ id: 'order-1', duplicate: false });
    const again = await post(event);
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ id: 'order-1', duplicate: true });
    const generated = await post({ app: 'shop', version: 'v1', type: 'order.placed', payload: { total: 3 } });
    expect(generated.status).toBe(202);
    const generatedId = ((await generated.json()) as { id: string }).id;
    expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);

    const occurrences = await eventually(async () => {
      const list = (await v1.listTriggersOccurrences({ triggerID: trigger.id })).listTriggersOccurrencesResponse!.data;
      return list.length === 2 ? list : undefined;
    }, { what: 'two occurrences' });
    expect(occurrences.map((o) => (o.event as { id: string }).id).sort()).toEqual([generatedId, 'order-1'].sort());
    const stored = (await bus.events('order.placed')).find((e) => e.id === 'order-1');
    expect(stored).toMatchObject({ id: 'order-1', idempotency_key: 'order-1', app: 'shop', version: 'v1', payload: { total: 12.5 } });

    // Auth as orchestration write; bad input is a 400, never a 500.
    expect((await post(event, false)).status).toBe(401);
    for (const bad of [
      '{"app":',
      '[1]',
      { app: 'shop', version: 'v1', type: 'x' },
      { app: 'has space', version: 'v1', type: 'x', payload: {} },
      { app: 'shop', version: 'v1', type: 'x', payload: {}, date: 'yesterday' },
      { app: 'shop', version: 'v1', type: 'x', payload: {}, extra: 1 },
    ]) {
      const res = await post(bad);
      expect(res.status).toBe(400);
    }
  }, 60_000);

  // Declared last: every response validated above, against the vendor's file (skipped without SPECS_DIR).
  itConformsToVendorSpec('formance-orchestration-v1.yaml', () => validator.seen);
});
