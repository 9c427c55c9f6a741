import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SDK } from '@formance/formance-sdk';
import { EventEnvelope, SYSTEM_ACTOR_USER_ID } from '@wfp/contracts';
import { eventually, PlatformUnderTest } from '@wfp/testing';
import { apiClient, customerMessage, seed, SEED } from '../interventions/helpers';
import { Bus, CLIENT_ID, CLIENT_SECRET, sdkFor } from '../triggers/helpers';

/**
 * The story of issue 15, through HTTP and the bus, on the real services: an SLA escalation.
 * `intervention.opened` → trigger → workflow: wait_for_event intervention.closed (2s; on_event
 * succeed, on_timeout continue) → intervention reassign to the supervisor → publish
 * escalation.created → http POST to a webhook here that fails twice with 503, then succeeds.
 */
describe('SLA escalation: event → trigger → workflow acts → new events', () => {
  let platform: PlatformUnderTest;
  let sdk: SDK;
  let bus: Bus;
  let webhook: Server;
  let webhookUrl: string;
  let workflowId: string;
  let escalationTriggerId: string;
  let openedTriggerId: string;
  const engage = () => apiClient(platform.url);
  /** Webhook calls by intervention id; each intervention's first two calls answer 503. */
  const calls = new Map<string, Array<{ key: string | undefined; body: string }>>();

  beforeAll(async () => {
    webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const id = (JSON.parse(body) as { intervention_id: string }).intervention_id;
        const list = calls.get(id) ?? [];
        list.push({ key: req.headers['idempotency-key'] as string | undefined, body });
        calls.set(id, list);
        if (list.length <= 2) {
          res.writeHead(503);
          res.end('busy');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ticket: `T-${id}`, accepted: true }));
        }
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/escalations`;

    platform = await PlatformUnderTest.start({
      label: 'sla',
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50' },
      serviceEnv: { orchestrator: { ORCHESTRATOR_HTTP_ALLOWED_HOSTS: '127.0.0.1', ORCHESTRATOR_DB_POOL_SIZE: '4' } },
    });
    seed(platform.database.url);
    sdk = sdkFor(platform);
    bus = await Bus.connect(platform.namespace);
    const v1 = sdk.orchestration.v1;
    workflowId = (
      await v1.createWorkflow({
        name: 'sla-escalation',
        stages: [
          {
            wait_for_event: {
              type: 'intervention.closed',
              if: 'event.id == vars.intervention_id',
              timeout: '2s',
              on_event: 'succeed',
              on_timeout: 'continue',
            },
          },
          { intervention: { id: '${intervention_id}', action: 'reassign', user_id: '${supervisor_id}' } },
          { publish: { type: 'escalation.created', payload: { intervention_id: '${intervention_id}', supervisor_id: '${supervisor_id}' } } },
          {
            http: {
              method: 'POST',
              url: '${webhook_url}',
              headers: { 'Content-Type': 'application/json' },
              body: '{"intervention_id":"${intervention_id}"}',
              timeout: '5s',
              save_as: 'hook',
              retry: { attempts: 5, backoff: '1s', max_backoff: '2s' },
            },
          },
        ],
      })
    ).createWorkflowResponse!.data.id;
    openedTriggerId = (
      await v1.createTrigger({
        name: 'SLA escalation',
        event: 'intervention.opened',
        workflowID: workflowId,
        vars: { intervention_id: 'event.id', supervisor_id: `"${SEED.supervisor.id}"`, webhook_url: `"${webhookUrl}"` },
      })
    ).createTriggerResponse!.data.id;
    const notify = (await v1.createWorkflow({ name: 'notify', stages: [{ noop: {} }] })).createWorkflowResponse!.data.id;
    escalationTriggerId = (
      await v1.createTrigger({ name: 'on escalation', event: 'escalation.created', workflowID: notify, vars: { intervention_id: 'event.intervention_id' } })
    ).createTriggerResponse!.data.id;
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    await platform?.stop();
    webhook?.closeAllConnections();
    await new Promise((resolve) => webhook?.close(resolve));
  });

  /** Alice opens an intervention on a new customer message (the trigger starts the workflow). */
  async function openIntervention(): Promise<{ id: string; contentId: string }> {
    const { contentId } = await customerMessage(platform.database.url);
    const res = await engage()('POST', '/interventions', { token: SEED.alice.token, form: `content_id=${contentId}` });
    expect(res.status).toBe(200);
    return { id: res.body.id as string, contentId };
  }

  async function instanceOf(interventionId: string): Promise<string> {
    return eventually(
      async () => {
        const list = (await sdk.orchestration.v1.listTriggersOccurrences({ triggerID: openedTriggerId })).listTriggersOccurrencesResponse!.data;
        const found = list.find((o) => (o.event as { payload?: { id?: string } }).payload?.id === interventionId);
        return found?.workflowInstanceID;
      },
      { what: `the instance of intervention ${interventionId}`, timeoutMs: 30_000 },
    );
  }

  async function instance(id: string) {
    return (await sdk.orchestration.v1.getInstance({ instanceID: id })).getWorkflowInstanceResponse!.data;
  }

  async function terminated(id: string, timeoutMs = 60_000) {
    return eventually(async () => {
      const data = await instance(id);
      return data.terminated ? data : undefined;
    }, { what: `instance ${id} to end`, timeoutMs });
  }

  /** The wait stage has begun (stage 0 started, not ended). */
  async function waiting(id: string): Promise<void> {
    await eventually(async () => {
      const status = (await instance(id)).status ?? [];
      return status.length === 1 && !status[0].terminatedAt;
    }, { what: `instance ${id} waiting`, timeoutMs: 30_000 });
  }

  async function assignee(interventionId: string): Promise<string | null> {
    const res = await engage()('GET', `/interventions/${interventionId}`, { token: SEED.supervisor.token });
    expect(res.status).toBe(200);
    return res.body.user_id as string | null;
  }

  async function escalations(interventionId: string): Promise<EventEnvelope[]> {
    return (await bus.events('escalation.created')).filter((e) => e.payload.intervention_id === interventionId);
  }

  async function closeWithReply(intervention: { id: string; contentId: string }): Promise<void> {
    const reply = await engage()('POST', '/contents', { token: SEED.alice.token, form: `in_reply_to_id=${intervention.contentId}&body=done` });
    expect(reply.status).toBe(200);
    const closed = await engage()('PUT', `/interventions/${intervention.id}/close`, { token: SEED.alice.token });
    expect(closed.status).toBe(200);
  }

  async function expectEscalated(interventionId: string, instanceId: string): Promise<void> {
    const done = await terminated(instanceId);
    expect(done.error).toBeUndefined();
    expect(done.status!.map((s) => [s.stage, s.error])).toEqual([[0, undefined], [1, undefined], [2, undefined], [3, undefined]]);
    // Reassigned by the system actor; the event says who acted.
    expect(await assignee(interventionId)).toBe(SEED.supervisor.id);
    const assigned = await eventually(async () => {
      const found = (await bus.events('intervention.assigned')).filter((e) => e.payload.id === interventionId);
      return found.length > 0 ? found : undefined;
    }, { what: 'intervention.assigned on the bus' });
    expect(assigned.map((e) => [e.payload.user_id, e.payload.acting_user_id])).toEqual([[SEED.supervisor.id, SYSTEM_ACTOR_USER_ID]]);
    // One escalation.created on the bus, as the orchestration app, v1; the second trigger fired once for it.
    const events = await eventually(async () => {
      const found = await escalations(interventionId);
      return found.length > 0 ? found : undefined;
    }, { what: 'escalation.created on the bus' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ app: 'orchestration', version: 'v1', payload: { intervention_id: interventionId, supervisor_id: SEED.supervisor.id } });
    await eventually(async () => {
      const occurrences = (await sdk.orchestration.v1.listTriggersOccurrences({ triggerID: escalationTriggerId })).listTriggersOccurrencesResponse!.data;
      return occurrences.filter((o) => (o.event as { id?: string }).id === events[0].id).length === 1;
    }, { what: 'the escalation trigger firing' });
    // The webhook: 3 calls, one idempotency key.
    const hooks = calls.get(interventionId) ?? [];
    expect(hooks).toHaveLength(3);
    expect(new Set(hooks.map((h) => h.key)).size).toBe(1);
    expect(hooks[0].key).toEqual(expect.any(String));
    // Stage history of the http stage, parsed by the official SDK: attempts 1–3 with the failures.
    const history = (await sdk.orchestration.v1.getInstanceStageHistory({ instanceID: instanceId, number: 3 })).getWorkflowInstanceHistoryStageResponse!.data;
    expect(history.map((h) => [h.name, h.attempt, h.error, h.terminated])).toEqual([
      ['HttpRequest', 1, 'HTTP 503 Service Unavailable', true],
      ['HttpRequest', 2, 'HTTP 503 Service Unavailable', true],
      ['HttpRequest', 3, undefined, true],
    ]);
    expect(history[0].nextExecution).toBeInstanceOf(Date);
    expect(history[1].lastFailure).toBe('HTTP 503 Service Unavailable');
    expect(history[2].lastFailure).toBe('HTTP 503 Service Unavailable');
    expect(history.every((h) => h.startedAt instanceof Date && h.terminatedAt instanceof Date)).toBe(true);
    const raw = await fetch(`${platform.url}/api/orchestration/instances/${instanceId}/stages/3/history`, {
      headers: { authorization: `Bearer ${await sdkToken()}` },
    });
    const body = (await raw.json()) as { data: Array<{ output?: Record<string, unknown> }> };
    expect(body.data[2].output).toEqual({ HttpRequest: { status: 200, body: { ticket: `T-${interventionId}`, accepted: true } } });
  }

  async function sdkToken(): Promise<string> {
    const res = await fetch(`${platform.url}/api/auth/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it('closed within the timeout: the instance succeeds at the wait, nothing is reassigned, no webhook call', async () => {
    const intervention = await openIntervention();
    const instanceId = await instanceOf(intervention.id);
    await waiting(instanceId);
    await closeWithReply(intervention);
    const done = await terminated(instanceId);
    expect(done.error).toBeUndefined();
    expect(done.status!.map((s) => s.stage)).toEqual([0]);
    expect(await assignee(intervention.id)).toBe(SEED.alice.id);
    expect(calls.get(intervention.id)).toBeUndefined();
    expect(await escalations(intervention.id)).toEqual([]);
  }, 120_000);

  it('not closed in time: reassigned, escalation.created once (second trigger fired once), webhook 3 calls, history attempts 1–3', async () => {
    const intervention = await openIntervention();
    const instanceId = await instanceOf(intervention.id);
    await expectEscalated(intervention.id, instanceId);
  }, 120_000);

  it('kill -9 of the orchestrator during the retry back-off: same outcome', async () => {
    const intervention = await openIntervention();
    const instanceId = await instanceOf(intervention.id);
    // The first webhook call failed and was recorded: the retry is a timer row now (backoff 1s).
    await eventually(
      async () => {
        const history = (await sdk.orchestration.v1.getInstanceStageHistory({ instanceID: instanceId, number: 3 })).getWorkflowInstanceHistoryStageResponse!.data;
        return history.length === 1 && history[0].terminated && history[0].nextExecution !== undefined;
      },
      { what: 'the first webhook attempt recorded with its retry', timeoutMs: 60_000 },
    );
    await platform.stopService('orchestrator', 'SIGKILL');
    await platform.startService('orchestrator');
    await expectEscalated(intervention.id, instanceId);
  }, 180_000);

  it('kill -9 during a wait; the awaited event is published while the orchestrator is down: matched once it is back', async () => {
    // The story's 2s deadline would pass during the restart; this wait has 60s so the event decides.
    const v1 = sdk.orchestration.v1;
    const patient = (
      await v1.createWorkflow({
        name: 'patient-wait',
        stages: [
          { wait_for_event: { type: 'intervention.closed', if: 'event.id == vars.intervention_id', timeout: '60s', on_event: 'continue', save_as: 'closed' } },
          { publish: { type: 'wait.observed', payload: { intervention_id: '${intervention_id}', closed_by: '${closed.acting_user_id}' } } },
        ],
      })
    ).createWorkflowResponse!.data.id;
    const intervention = await openIntervention();
    const started = await v1.runWorkflow({ workflowID: patient, requestBody: { intervention_id: intervention.id } });
    const instanceId = started.runWorkflowResponse!.data.id;
    await waiting(instanceId);
    await platform.stopService('orchestrator', 'SIGKILL');
    await closeWithReply(intervention);
    await platform.startService('orchestrator');
    const done = await terminated(instanceId);
    expect(done.error).toBeUndefined();
    expect(done.status!.map((s) => [s.stage, s.error])).toEqual([[0, undefined], [1, undefined]]);
    // save_as: the event payload's fields became variables of the later stage.
    const observed = await eventually(async () => {
      const found = (await bus.events('wait.observed')).filter((e) => e.payload.intervention_id === intervention.id);
      return found.length > 0 ? found : undefined;
    }, { what: 'wait.observed on the bus (outbox relay)' });
    expect(observed.map((e) => e.payload.closed_by)).toEqual([SEED.alice.id]);
  }, 180_000);

  it('kill -9 of the orchestrator during the wait; the deadline passes while it is down: escalated once back', async () => {
    const intervention = await openIntervention();
    const instanceId = await instanceOf(intervention.id);
    await waiting(instanceId);
    await platform.stopService('orchestrator', 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2500)); // let the 2s deadline pass while it is down
    await platform.startService('orchestrator');
    await expectEscalated(intervention.id, instanceId);
  }, 180_000);
});
