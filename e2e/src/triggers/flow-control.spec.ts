import { eventually, OpenApiResponseValidator, PlatformUnderTest } from '@wfp/testing';

/**
 * Flow control through the real processes (gateway, orchestrator, triggers) and the README's
 * walkthrough bodies (auth off, as in the walkthrough): the policy over HTTP, a rate limit, and
 * concurrency slots freed by the real orchestrator's lifecycle events.
 */
describe('flow control on triggers (real processes)', () => {
  let platform: PlatformUnderTest;
  let validator: OpenApiResponseValidator;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({ label: 'trg_flow', services: ['orchestrator', 'triggers', 'gateway'], env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50' } });
    validator = await OpenApiResponseValidator.load('formance-v1');
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  /** Formance bodies are `{data}`; errors `{errorCode, errorMessage}`; /api/events `{id, duplicate}`. */
  type Body = { data: { id: string; policy?: unknown } & Array<{ outcome?: string; reason?: string }>; duplicate?: boolean; errorCode?: string; errorMessage?: string };
  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Body }> {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : undefined) as Body };
  }
  const event = (payload: Record<string, unknown>) => call('POST', '/api/events', { app: 'shop', version: 'v1', type: 'order.placed', payload });

  it('the README walkthrough: one started, two skipped(rate_limited); a bad policy is a 400 naming the field', async () => {
    const workflow = await call('POST', '/api/orchestration/workflows', '{"name": "notify", "stages": [{"delay": {"duration": "10s"}}]}');
    expect(workflow.status).toBe(201);
    const trigger = await call(
      'POST',
      '/api/orchestration/triggers',
      `{
  "name": "notify-once-an-hour", "event": "order.placed", "workflowID": "${workflow.json.data.id}",
  "vars": {"customer": "event.customer"},
  "policy": {"rate_limit": {"key": "vars.customer", "limit": 1, "period": "1h"},
             "concurrency": [{"key": "vars.customer", "limit": 1}]}}`,
    );
    expect(trigger.status).toBe(201);
    expect(trigger.json.data.policy).toEqual({
      rate_limit: { key: 'vars.customer', limit: 1, period: '1h' },
      concurrency: [{ key: 'vars.customer', limit: 1, hold: 'running', on_full: 'queue' }],
    });
    validator.assertValid('post', '/triggers', 201, trigger.json);
    const read = await call('GET', `/api/orchestration/triggers/${trigger.json.data.id}`);
    expect(read.json.data.policy).toEqual(trigger.json.data.policy);
    for (let i = 0; i < 3; i++) expect((await event({ customer: 'c1' })).json.duplicate).toBe(false);
    const occurrences = await eventually(async () => {
      const list = await call('GET', `/api/orchestration/triggers/${trigger.json.data.id}/occurrences`);
      const data = list.json.data;
      return data.length === 3 && data.every((o) => o.outcome !== 'queued') ? list : undefined;
    }, { what: 'three decided occurrences' });
    validator.assertValid('get', '/triggers/{triggerID}/occurrences', 200, occurrences.json);
    expect(occurrences.json.data.map((o) => `${o.outcome}${o.reason ? `(${o.reason})` : ''}`).sort()).toEqual([
      'skipped(rate_limited)',
      'skipped(rate_limited)',
      'started',
    ]);
    const refused = await call(
      'POST',
      '/api/orchestration/triggers',
      `{
  "event": "order.placed", "workflowID": "${workflow.json.data.id}",
  "policy": {"debounce": {"period": "5s", "timeout": "1s"}}}`,
    );
    expect(refused).toEqual({ status: 400, json: { errorCode: 'VALIDATION', errorMessage: 'validating data: policy.debounce.timeout: must be at least the period' } });
  });

  it('concurrency 2 per tenant with the real orchestrator: never more than 2 running, all end, slots freed by the lifecycle events', async () => {
    const workflow = await call('POST', '/api/orchestration/workflows', { name: 'slow', stages: [{ delay: { duration: '1s' } }] });
    const id = workflow.json.data.id;
    const trigger = await call('POST', '/api/orchestration/triggers', {
      event: 'tenant.job',
      workflowID: id,
      vars: { tenant: 'event.tenant' },
      policy: { concurrency: [{ key: 'vars.tenant', limit: 2 }] },
    });
    expect(trigger.status).toBe(201);
    await Promise.all(Array.from({ length: 8 }, () => call('POST', '/api/events', { app: 'jobs', version: 'v1', type: 'tenant.job', payload: { tenant: 'A' } })));
    let maxRunning = 0;
    await eventually(async () => {
      const running = await call('GET', `/api/orchestration/instances?workflowID=${id}&running=true`);
      maxRunning = Math.max(maxRunning, running.json.data.length);
      const all = await call('GET', `/api/orchestration/instances?workflowID=${id}`);
      return all.json.data.length === 8 && running.json.data.length === 0 ? true : undefined;
    }, { what: 'all 8 instances ended', timeoutMs: 60_000, intervalMs: 100 });
    expect(maxRunning).toBeLessThanOrEqual(2);
    expect(maxRunning).toBeGreaterThan(0);
    // A start is recorded (`started`) after its instance was created: a 1 s instance may end first.
    const list = await eventually(async () => {
      const found = await call('GET', `/api/orchestration/triggers/${trigger.json.data.id}/occurrences`);
      return found.json.data.length === 8 && found.json.data.every((o) => o.outcome !== 'queued') ? found : undefined;
    }, { what: 'eight decided occurrences' });
    expect(list.json.data.every((o) => o.outcome === 'started')).toBe(true);
  }, 90_000);

  it('kill -9 of the triggers service, then of the orchestrator, mid-run: every start once, never more than 2 running, no slot leaked', async () => {
    const workflow = await call('POST', '/api/orchestration/workflows', { name: 'slow-kill', stages: [{ delay: { duration: '1s' } }] });
    const id = workflow.json.data.id;
    const trigger = await call('POST', '/api/orchestration/triggers', {
      event: 'tenant.kill',
      workflowID: id,
      vars: { tenant: 'event.tenant' },
      policy: { concurrency: [{ key: 'vars.tenant', limit: 2 }] },
    });
    const publishJobs = (count: number) =>
      Promise.all(Array.from({ length: count }, () => call('POST', '/api/events', { app: 'jobs', version: 'v1', type: 'tenant.kill', payload: { tenant: 'A' } })));
    let maxRunning = 0;
    const sample = async () => {
      const running = await call('GET', `/api/orchestration/instances?workflowID=${id}&running=true`).catch(() => undefined);
      if (running?.status === 200) maxRunning = Math.max(maxRunning, running.json.data.length);
      return running;
    };
    const sampler = setInterval(() => void sample(), 100);
    try {
      await publishJobs(10);
      await eventually(async () => ((await sample())?.json.data.length === 2 ? true : undefined), { what: 'two running' });
      await platform.stopService('triggers', 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the running ones end meanwhile
      await platform.startService('triggers');
      await eventually(async () => {
        const all = await call('GET', `/api/orchestration/instances?workflowID=${id}`);
        return all.status === 200 && all.json.data.length >= 5 ? true : undefined;
      }, { what: 'five started', timeoutMs: 30_000 });
      await platform.stopService('orchestrator', 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await platform.startService('orchestrator');
      await eventually(async () => {
        const all = await call('GET', `/api/orchestration/instances?workflowID=${id}`);
        const running = await call('GET', `/api/orchestration/instances?workflowID=${id}&running=true`);
        return all.status === 200 && all.json.data.length === 10 && running.json.data.length === 0 ? true : undefined;
      }, { what: 'all 10 ended', timeoutMs: 60_000, intervalMs: 200 });
      expect(maxRunning).toBe(2);
      // A start whose reply the orchestrator's kill lost is recorded by the next sweep (same
      // idempotency key, same instance): its 1 s instance may have ended before.
      const list = await eventually(async () => {
        const found = await call('GET', `/api/orchestration/triggers/${trigger.json.data.id}/occurrences`);
        return found.json.data.length === 10 && found.json.data.every((o) => o.outcome !== 'queued') ? found : undefined;
      }, { what: 'ten decided occurrences', timeoutMs: 30_000 });
      expect(list.json.data.map((o) => o.outcome)).toEqual(Array(10).fill('started'));
      // No slot leaked: A reaches 2 running again.
      maxRunning = 0;
      await publishJobs(3);
      await eventually(async () => ((await sample())?.json.data.length === 2 ? true : undefined), { what: 'two running again' });
      await eventually(async () => {
        const all = await call('GET', `/api/orchestration/instances?workflowID=${id}`);
        const running = await call('GET', `/api/orchestration/instances?workflowID=${id}&running=true`);
        return all.json.data.length === 13 && running.json.data.length === 0 ? true : undefined;
      }, { what: 'the 3 more ended', timeoutMs: 30_000, intervalMs: 200 });
      expect(maxRunning).toBe(2);
    } finally {
      clearInterval(sampler);
    }
  }, 180_000);

  it('workflow-scoped slots shared by two triggers survive kill -9 of the triggers service and the orchestrator: every start once, never more than 2 running, no slot leaked', async () => {
    const workflow = await call('POST', '/api/orchestration/workflows', { name: 'shared-kill', stages: [{ delay: { duration: '1s' } }] });
    const id = workflow.json.data.id;
    const policy = { concurrency: [{ key: 'vars.tenant', limit: 2, scope: 'workflow' }] };
    const triggers = await Promise.all(
      ['shared.first', 'shared.second'].map((type) => call('POST', '/api/orchestration/triggers', { event: type, workflowID: id, vars: { tenant: 'event.tenant' }, policy })),
    );
    expect(triggers.map((t) => t.status)).toEqual([201, 201]);
    const publishJobs = (count: number) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          call('POST', '/api/events', { app: 'jobs', version: 'v1', type: i % 2 === 0 ? 'shared.first' : 'shared.second', payload: { tenant: 'A' } }),
        ),
      );
    const instances = async (running: boolean) => call('GET', `/api/orchestration/instances?workflowID=${id}${running ? '&running=true' : ''}`);
    let maxRunning = 0;
    const sample = async () => {
      const running = await instances(true).catch(() => undefined);
      if (running?.status === 200) maxRunning = Math.max(maxRunning, running.json.data.length);
      return running;
    };
    const allEnded = (count: number) => async () => {
      const [all, running] = [await instances(false), await instances(true)];
      return all.status === 200 && all.json.data.length === count && running.json.data.length === 0 ? true : undefined;
    };
    const sampler = setInterval(() => void sample(), 100);
    try {
      await publishJobs(10);
      await eventually(async () => ((await sample())?.json.data.length === 2 ? true : undefined), { what: 'two running' });
      await platform.stopService('triggers', 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 1500)); // the running ones end meanwhile
      await platform.startService('triggers');
      await eventually(async () => {
        const all = await instances(false);
        return all.status === 200 && all.json.data.length >= 5 ? true : undefined;
      }, { what: 'five started', timeoutMs: 30_000 });
      await platform.stopService('orchestrator', 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await platform.startService('orchestrator');
      await eventually(allEnded(10), { what: 'all 10 ended', timeoutMs: 60_000, intervalMs: 200 });
      expect(maxRunning).toBe(2);
      for (const trigger of triggers) {
        const list = await call('GET', `/api/orchestration/triggers/${trigger.json.data.id}/occurrences`);
        expect(list.json.data.map((o) => o.outcome)).toEqual(Array(5).fill('started'));
      }
      // No slot leaked: the shared key reaches 2 running again, through either trigger.
      maxRunning = 0;
      await publishJobs(4);
      await eventually(async () => ((await sample())?.json.data.length === 2 ? true : undefined), { what: 'two running again' });
      await eventually(allEnded(14), { what: 'the 4 more ended', timeoutMs: 30_000, intervalMs: 200 });
      expect(maxRunning).toBe(2);
    } finally {
      clearInterval(sampler);
    }
  }, 180_000);
});
