import { eventually, PlatformUnderTest, ServiceName } from '@wfp/testing';
import { has, parsePrometheusText, Sample, sumOf } from './prometheus-text';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies read by field in assertions
type Json = any;

const CLIENT_ID = 'metrics-e2e';
const CLIENT_SECRET = 'metrics-e2e-secret';

/**
 * Metrics of the real platform (built dist/): every service serves /metrics, /healthz and /readyz
 * (the gateway on its main port, without a token even with auth on), and after a workflow runs
 * and a trigger fires, the counters of each concern have moved.
 */
describe('Prometheus metrics of every service', () => {
  let platform: PlatformUnderTest;
  let bearer: string;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'obs_metrics',
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50' },
    });
    const res = await fetch(`${platform.url}/api/auth/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: CLIENT_SECRET }),
    });
    bearer = ((await res.json()) as { access_token: string }).access_token;
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> => {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };

  const scrape = async (service: ServiceName): Promise<Sample[]> => {
    const res = await fetch(platform.metricsUrl(service)); // no token
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return parsePrometheusText(await res.text());
  };

  it('serves /healthz and /readyz on each service’s metrics port', async () => {
    for (const service of ['orchestrator', 'triggers', 'interventions'] as const) {
      const base = platform.metricsUrl(service).replace(/\/metrics$/, '');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { postgres: { status: 'up' }, nats: { status: 'up' } },
      });
      expect((await fetch(`${base}/nothing`)).status).toBe(404);
    }
  });

  it('counts requests, commands, instances, stages, timers, triggers, consumers, outbox and pools', async () => {
    const workflow = await api('POST', '/api/orchestration/workflows', {
      name: 'metrics',
      stages: [{ delay: { duration: '100ms' } }, { noop: {} }],
    });
    expect(workflow.status).toBe(201);
    const workflowId = workflow.json.data.id as string;
    expect((await api('POST', '/api/orchestration/triggers', { event: 'order.placed', workflowID: workflowId, filter: 'event.total > 100' })).status).toBe(201);
    expect((await api('POST', '/api/orchestration/triggers', { event: 'order.placed', workflowID: workflowId, filter: 'event.nosuchfield == 1' })).status).toBe(201);

    const direct = await api('POST', `/api/orchestration/workflows/${workflowId}/instances`, {});
    expect(direct.status).toBe(201);
    expect((await api('POST', '/api/events', { app: 'shop', version: 'v1', type: 'order.placed', payload: { total: 500 } })).status).toBe(202);
    expect((await api('POST', '/api/events', { app: 'shop', version: 'v1', type: 'order.placed', payload: { total: 5 } })).status).toBe(202);
    expect((await api('GET', '/api/orchestration/workflows/not-a-uuid')).status).toBeGreaterThanOrEqual(400);

    // Both instances (the direct one and the trigger's) run the delay and succeed.
    await eventually(
      async () => {
          const list = await api('GET', `/api/orchestration/instances?workflowID=${workflowId}`);
          const done = (list.json.data as Array<{ terminated: boolean; error?: string }>).filter((i) => i.terminated && !i.error);
          return done.length === 2;
        },
        { timeoutMs: 30_000, what: 'two succeeded instances' },
    );

    // Relays and consumers finish asynchronously: poll until the counters have settled.
    await eventually(
      async () => {
        const gateway = await scrape('gateway');
        expect(sumOf(gateway, 'wfp_http_requests_total', { method: 'POST', route: '/api/orchestration/workflows', status: '201' })).toBe(1);
        expect(sumOf(gateway, 'wfp_http_requests_total', { method: 'POST', route: '/api/events', status: '202' })).toBe(2);
        expect(has(gateway, 'wfp_http_requests_total', { route: '/api/orchestration/workflows/:flowId' })).toBe(true);
        expect(gateway.some((s) => s.name === 'wfp_http_requests_total' && s.labels.route.includes('not-a-uuid'))).toBe(false);
        expect(sumOf(gateway, 'wfp_http_request_duration_seconds_count', { route: '/api/events' })).toBe(2);
        expect(sumOf(gateway, 'wfp_nats_command_client_duration_seconds_count', { subject: 'orchestrator.v1.workflows.create', outcome: 'ok' })).toBe(1);
        expect(gateway.every((s) => s.labels.service === 'gateway')).toBe(true);
        return true;
      },
      { timeoutMs: 15_000, what: 'gateway metrics' },
    );

    // Relays and consumers finish asynchronously: poll until the counters have settled.
    await eventually(
      async () => {
        const orchestrator = await scrape('orchestrator');
        expect(sumOf(orchestrator, 'wfp_workflow_instances_started_total')).toBe(2);
        expect(sumOf(orchestrator, 'wfp_workflow_instances_succeeded_total')).toBe(2);
        expect(sumOf(orchestrator, 'wfp_workflow_stages_total', { kind: 'delay', status: 'succeeded' })).toBe(2);
        expect(sumOf(orchestrator, 'wfp_workflow_stages_total', { kind: 'noop', status: 'succeeded' })).toBe(2);
        // The delay's duration is measured from its stage run's start (kept in Postgres) to its end.
        expect(sumOf(orchestrator, 'wfp_workflow_stage_duration_seconds_count', { kind: 'delay' })).toBe(2);
        expect(sumOf(orchestrator, 'wfp_workflow_stage_duration_seconds_sum', { kind: 'delay' })).toBeGreaterThanOrEqual(0.2);
        expect(sumOf(orchestrator, 'wfp_workflow_timer_lag_seconds_count')).toBeGreaterThanOrEqual(2);
        expect(sumOf(orchestrator, 'wfp_nats_command_server_duration_seconds_count', { subject: 'orchestrator.v1.instances.start', outcome: 'ok' })).toBe(2);
        expect(sumOf(orchestrator, 'wfp_nats_command_server_errors_total')).toBeGreaterThanOrEqual(0);
        expect(sumOf(orchestrator, 'wfp_outbox_published_total', { schema: 'orchestrator' })).toBeGreaterThan(0);
        expect(sumOf(orchestrator, 'wfp_outbox_relay_lag_seconds_count', { schema: 'orchestrator' })).toBeGreaterThan(0);
        expect(has(orchestrator, 'wfp_outbox_backlog', { schema: 'orchestrator' })).toBe(true);
        for (const pool of ['orchestrator-engine', 'orchestrator-typeorm']) {
          expect(has(orchestrator, 'wfp_pg_pool_connections', { pool, state: 'in_use' })).toBe(true);
          expect(has(orchestrator, 'wfp_pg_pool_connections', { pool, state: 'idle' })).toBe(true);
          expect(has(orchestrator, 'wfp_pg_pool_waiting', { pool })).toBe(true);
        }
        expect(sumOf(orchestrator, 'wfp_pg_pool_connections', { pool: 'orchestrator-engine' })).toBeGreaterThan(0);
        return true;
      },
      { timeoutMs: 15_000, what: 'orchestrator metrics' },
    );

    // Relays and consumers finish asynchronously: poll until the counters have settled.
    await eventually(
      async () => {
        const triggers = await scrape('triggers');
        // Two events × two triggers evaluated; one match; one filter error per event.
        expect(sumOf(triggers, 'wfp_trigger_evaluations_total')).toBe(4);
        expect(sumOf(triggers, 'wfp_trigger_matches_total', { result: 'started' })).toBe(1);
        expect(sumOf(triggers, 'wfp_trigger_filter_errors_total')).toBe(2);
        expect(sumOf(triggers, 'wfp_jetstream_consumer_messages_total', { consumer: 'triggers-matching', outcome: 'applied' })).toBeGreaterThanOrEqual(2);
        expect(has(triggers, 'wfp_jetstream_consumer_pending', { consumer: 'triggers-matching' })).toBe(true);
        expect(has(triggers, 'wfp_jetstream_consumer_ack_pending', { consumer: 'triggers-matching' })).toBe(true);
        expect(sumOf(triggers, 'wfp_jetstream_consumer_dead_letters_total')).toBe(0);
        expect(sumOf(triggers, 'wfp_nats_command_client_duration_seconds_count', { subject: 'orchestrator.v1.instances.start', outcome: 'ok' })).toBe(1);
        expect(sumOf(triggers, 'wfp_outbox_published_total', { schema: 'triggers' })).toBeGreaterThanOrEqual(1); // SUCCEEDED_TRIGGER
        return true;
      },
      { timeoutMs: 15_000, what: 'triggers metrics' },
    );

    // Relays and consumers finish asynchronously: poll until the counters have settled.
    await eventually(
      async () => {
        const interventions = await scrape('interventions');
        expect(has(interventions, 'wfp_pg_pool_connections', { pool: 'interventions-typeorm' })).toBe(true);
        expect(has(interventions, 'wfp_outbox_backlog', { schema: 'interventions' })).toBe(true);
        expect(has(interventions, 'process_cpu_user_seconds_total', { service: 'interventions' })).toBe(true);
        return true;
      },
      { timeoutMs: 15_000, what: 'interventions metrics' },
    );  }, 90_000);
});
