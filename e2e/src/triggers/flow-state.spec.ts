import { randomUUID } from 'node:crypto';
import { connect, NatsConnection, StringCodec } from 'nats';
import { eventSubject, TriggerFlowState } from '@wfp/contracts';
import { eventually, OpenApiResponseValidator, PlatformUnderTest, testNatsUrl } from '@wfp/testing';
import { CLIENT_ID, CLIENT_SECRET, token } from '../orchestration/helpers';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/**
 * `GET /api/orchestration/v2/triggers/{triggerID}/flow` (extension) through the real processes
 * (gateway → `triggers.v1.triggers.flow-state` over NATS → triggers service), auth on, bodies
 * checked against the project's `formance-v2` document.
 */
describe('trigger flow state over HTTP (real processes, auth on)', () => {
  let platform: PlatformUnderTest;
  let validator: OpenApiResponseValidator;
  let bearer: string;
  let nc: NatsConnection;
  const sc = StringCodec();

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'trg_flow_state',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50' },
    });
    validator = await OpenApiResponseValidator.load('formance-v2');
    bearer = await token(platform);
    nc = await connect({ servers: testNatsUrl() });
  }, 90_000);

  afterAll(async () => {
    await nc?.close();
    await platform?.stop();
  });

  type Body = { data: { id: string } & TriggerFlowState; errorCode?: string; errorMessage?: string };
  async function http(method: string, path: string, body?: unknown, auth: string | undefined = bearer) {
    const res = await fetch(`${platform.url}/api/orchestration${path}`, {
      method,
      headers: { ...(auth ? { Authorization: `Bearer ${auth}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Body };
  }
  const publish = async (type: string, payload: Record<string, unknown>) => {
    const id = randomUUID();
    const envelope = { id, idempotency_key: id, date: new Date().toISOString(), app: 'shop', version: 'v1', type, payload };
    await nc.jetstream().publish(eventSubject(platform.namespace, 'shop', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
  };

  it('concurrency 1 per tenant, instances waiting: A running 1 / queued 1, B running 1; 401 without a token; 404 for an unknown trigger', async () => {
    const workflow = await http('POST', '/v2/workflows', { name: 'flow-state', stages: [{ wait_event: { event: 'go' } }] });
    expect(workflow.status).toBe(201);
    const trigger = await http('POST', '/v2/triggers', {
      event: 'order.placed',
      workflowID: workflow.body.data.id,
      policy: { concurrency: [{ key: 'event.tenant', limit: 1 }] },
    });
    expect(trigger.status).toBe(201);
    const id = trigger.body.data.id;
    for (const tenant of ['A', 'A', 'B']) await publish('order.placed', { tenant });

    const flow = await eventually(async () => {
      const res = await http('GET', `/v2/triggers/${id}/flow`);
      const data = res.body.data;
      const settled = res.status === 200 && data.slots.length === 2 && data.slots[0].queued === 1 && data.queues.every((q) => q.starting === 0);
      return settled ? res : undefined;
    }, { what: 'A running 1 queued 1, B running 1', timeoutMs: 30_000 });
    validator.assertValid('get', '/v2/triggers/{triggerID}/flow', 200, flow.body);
    expect(flow.body.data).toEqual({
      triggerID: id,
      slots: [
        { rule: 0, key: 'A', running: 1, active: 1, queued: 1 },
        { rule: 0, key: 'B', running: 1, active: 1, queued: 0 },
      ],
      queues: [{ key: 'A', queued: 1, starting: 0 }],
    });

    const unauthorized = await http('GET', `/v2/triggers/${id}/flow`, undefined, '');
    expect(unauthorized.status).toBe(401);
    const missing = await http('GET', `/v2/triggers/${UNKNOWN}/flow`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ errorCode: 'NOT_FOUND', errorMessage: expect.any(String) });
    validator.assertValid('get', '/v2/triggers/{triggerID}/flow', 404, missing.body);
  });
});
