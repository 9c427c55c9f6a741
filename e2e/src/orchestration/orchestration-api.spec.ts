import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { SDK } from '@formance/formance-sdk';
import { eventually, OpenApiResponseValidator, PlatformUnderTest, itConformsToVendorSpec } from '@wfp/testing';
import { CLIENT_ID, CLIENT_SECRET, rawClient, sdkFor, token } from './helpers';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('Formance Orchestration v1 through the official SDK (auth on)', () => {
  let platform: PlatformUnderTest;
  let sdk: SDK;
  let validator: OpenApiResponseValidator;
  let http: ReturnType<typeof rawClient>;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'orch_api',
      services: ['orchestrator', 'gateway'],
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50' },
    });
    sdk = sdkFor(platform, true);
    validator = await OpenApiResponseValidator.load('formance-v1');
    http = rawClient(platform, validator, await token(platform));
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('runs the whole workflow lifecycle with the SDK', async () => {
    const v1 = sdk.orchestration.v1;
    const created = await v1.createWorkflow({
      name: 'e2e',
      stages: [{ delay: { duration: '100ms' } }, { wait_event: { event: '${ev}' } }, { noop: {} }],
    });
    expect(created.statusCode).toBe(201);
    const workflow = created.createWorkflowResponse!.data;
    expect(workflow.config.name).toBe('e2e');
    expect(workflow.config.stages).toHaveLength(3);

    const got = await v1.getWorkflow({ flowId: workflow.id });
    expect(got.getWorkflowResponse!.data.id).toBe(workflow.id);
    const listed = await v1.listWorkflows();
    expect(listed.listWorkflowsResponse!.data.map((w) => w.id)).toContain(workflow.id);

    const run = await v1.runWorkflow({ workflowID: workflow.id, requestBody: { ev: 'go' } });
    expect(run.statusCode).toBe(201);
    const instance = run.runWorkflowResponse!.data;
    expect(instance).toMatchObject({ workflowID: workflow.id, terminated: false });
    expect(instance.status).toBeUndefined();

    await eventually(async () => {
      const current = await v1.getInstance({ instanceID: instance.id });
      return current.getWorkflowInstanceResponse!.data.status?.length === 2;
    }, { what: 'the wait_event stage' });
    const sent = await v1.sendEvent({ instanceID: instance.id, requestBody: { name: 'go' } });
    expect(sent.statusCode).toBe(204);
    const done = await eventually(async () => {
      const current = (await v1.getInstance({ instanceID: instance.id })).getWorkflowInstanceResponse!.data;
      return current.terminated ? current : undefined;
    });
    expect(done.error).toBeUndefined();
    expect(done.terminatedAt).toBeInstanceOf(Date);
    expect(done.status!.map((s) => s.stage)).toEqual([0, 1, 2]);

    const history = await v1.getInstanceHistory({ instanceID: instance.id });
    expect(history.getWorkflowInstanceHistoryResponse!.data.map((h) => [h.name, h.terminated])).toEqual([
      ['RunDelay', true],
      ['RunWaitEvent', true],
      ['RunNoop', true],
    ]);
    const stage = await v1.getInstanceStageHistory({ instanceID: instance.id, number: 1 });
    expect(stage.getWorkflowInstanceHistoryStageResponse!.data).toEqual([]);

    const runs = await v1.listInstances({ workflowID: workflow.id });
    expect(runs.listRunsResponse!.data.map((i) => i.id)).toEqual([instance.id]);
    const running = await v1.listInstances({ workflowID: workflow.id, running: true });
    expect(running.listRunsResponse!.data).toEqual([]);

    // Terminated instance: sendEvent and abort are client errors.
    await expect(v1.sendEvent({ instanceID: instance.id, requestBody: { name: 'go' } })).rejects.toMatchObject({ statusCode: 400 });
    await expect(v1.cancelEvent({ instanceID: instance.id })).rejects.toMatchObject({ statusCode: 400 });

    const deleted = await v1.deleteWorkflow({ flowId: workflow.id });
    expect(deleted.statusCode).toBe(204);
    expect((await v1.deleteWorkflow({ flowId: workflow.id })).statusCode).toBe(204);
    expect((await v1.listWorkflows()).listWorkflowsResponse!.data.map((w) => w.id)).not.toContain(workflow.id);
    expect((await v1.listInstances({})).listRunsResponse!.data.map((i) => i.id)).not.toContain(instance.id);
  }, 60_000);

  it('waits for termination with wait=true, and aborts a running instance', async () => {
    const v1 = sdk.orchestration.v1;
    const workflow = (await v1.createWorkflow({ stages: [{ noop: {} }, { delay: { duration: '200ms' } }] })).createWorkflowResponse!.data;
    const waited = await v1.runWorkflow({ workflowID: workflow.id, wait: true });
    expect(waited.runWorkflowResponse!.data.terminated).toBe(true);
    expect(waited.runWorkflowResponse!.data.status).toHaveLength(2);

    const waiting = (await v1.createWorkflow({ stages: [{ wait_event: { event: 'never' } }] })).createWorkflowResponse!.data;
    const instance = (await v1.runWorkflow({ workflowID: waiting.id })).runWorkflowResponse!.data;
    await eventually(async () => (await v1.getInstance({ instanceID: instance.id })).getWorkflowInstanceResponse!.data.status?.length === 1);
    expect((await v1.cancelEvent({ instanceID: instance.id })).statusCode).toBe(204);
    const aborted = (await v1.getInstance({ instanceID: instance.id })).getWorkflowInstanceResponse!.data;
    expect(aborted).toMatchObject({ terminated: true, error: 'canceled' });
    expect(aborted.status![0].error).toBe('canceled');
  }, 30_000);

  it('answers with bodies that match the v1 OpenAPI spec', async () => {
    const created = await http('POST', '/workflows', { body: { stages: [{ noop: {} }] }, template: '/workflows' });
    expect(created.status).toBe(201);
    const id = (created.body as { data: { id: string } }).data.id;
    expect((await http('GET', '/workflows', { template: '/workflows' })).status).toBe(200);
    expect((await http('GET', `/workflows/${id}`, { template: '/workflows/{flowId}' })).status).toBe(200);
    const run = await http('POST', `/workflows/${id}/instances?wait=true`, { template: '/workflows/{workflowID}/instances' });
    expect(run.status).toBe(201);
    const instanceId = (run.body as { data: { id: string } }).data.id;
    expect((await http('GET', '/instances', { template: '/instances' })).status).toBe(200);
    expect((await http('GET', `/instances/${instanceId}`, { template: '/instances/{instanceID}' })).status).toBe(200);
    expect((await http('GET', `/instances/${instanceId}/history`, { template: '/instances/{instanceID}/history' })).status).toBe(200);
    expect(
      (await http('GET', `/instances/${instanceId}/stages/0/history`, { template: '/instances/{instanceID}/stages/{number}/history' })).status,
    ).toBe(200);
    const yaml = await http('POST', '/workflows', {
      rawBody: 'name: from-yaml\nstages:\n  - delay:\n      duration: 1m30s\n  - noop: {}\n',
      contentType: 'text/vnd.yaml',
      template: '/workflows',
    });
    expect(yaml.status).toBe(201);
    expect((yaml.body as { data: { config: unknown } }).data.config).toEqual({
      name: 'from-yaml',
      stages: [{ delay: { duration: '1m30s' } }, { noop: {} }],
    });
  });

  it.each([
    ['malformed JSON', 'POST', '/workflows', { rawBody: '{"stages": [' }, 400],
    ['malformed YAML', 'POST', '/workflows', { rawBody: 'stages: [a, b', contentType: 'text/vnd.yaml' }, 400],
    ['stages not an array', 'POST', '/workflows', { body: { stages: 'x' } }, 400],
    ['unknown stage kind', 'POST', '/workflows', { body: { stages: [{ teleport: {} }] } }, 400],
    ['empty stage', 'POST', '/workflows', { body: { stages: [{}] } }, 400],
    ['two kinds in a stage', 'POST', '/workflows', { body: { stages: [{ noop: {}, delay: {} }] } }, 400],
    ['bad duration', 'POST', '/workflows', { body: { stages: [{ delay: { duration: '3 days' } }] } }, 400],
    ['bad date', 'POST', '/workflows', { body: { stages: [{ delay: { until: '2026-13-45' } }] } }, 400],
    ['wrong type', 'POST', '/workflows', { body: { stages: [{ wait_event: { event: 5 } }] } }, 400],
    ['oversized body', 'POST', '/workflows', { rawBody: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), stages: [] }) }, 413],
    ['non-UUID workflow id on delete', 'DELETE', '/workflows/not-a-uuid', {}, 400],
    ['unknown workflow', 'GET', `/workflows/${UNKNOWN}`, {}, 404],
    ['non-UUID workflow', 'GET', '/workflows/not-a-uuid', {}, 404],
    ['unknown workflow on delete', 'DELETE', `/workflows/${UNKNOWN}`, {}, 404],
    ['unknown workflow on run', 'POST', `/workflows/${UNKNOWN}/instances`, {}, 404],
    ['non-string variables', 'POST', `/workflows/${UNKNOWN}/instances`, { body: { a: 1 } }, 400],
    ['variables not an object', 'POST', `/workflows/${UNKNOWN}/instances`, { body: ['a'] }, 400],
    ['unknown instance', 'GET', `/instances/${UNKNOWN}`, {}, 404],
    ['non-UUID instance', 'GET', '/instances/nope', {}, 404],
    ['event on unknown instance', 'POST', `/instances/${UNKNOWN}/events`, { body: { name: 'x' } }, 404],
    ['event name not a string', 'POST', `/instances/${UNKNOWN}/events`, { body: { name: 3 } }, 400],
    ['abort unknown instance', 'PUT', `/instances/${UNKNOWN}/abort`, {}, 404],
    ['history of unknown instance', 'GET', `/instances/${UNKNOWN}/history`, {}, 404],
    ['stage history, non-integer stage', 'GET', `/instances/${UNKNOWN}/stages/x/history`, {}, 404],
    ['stage history, unknown instance', 'GET', `/instances/${UNKNOWN}/stages/0/history`, {}, 404],
  ])('%s → %i in the Formance error format', async (_label, method, path, options, status) => {
    const res = await http(method, path, options as Parameters<typeof http>[2]);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({
      errorCode: status === 404 ? 'NOT_FOUND' : 'VALIDATION',
      errorMessage: expect.any(String),
    });
    expect(validator.validateComponent('Error', res.body)).toEqual([]);
  });

  it('requires a token with the right scope, except on _info', async () => {
    const anonymous = rawClient(platform, validator);
    for (const path of ['/workflows', '/instances', `/workflows/${UNKNOWN}`]) {
      const res = await anonymous('GET', path);
      expect(res.status).toBe(401);
      expect(res.text).toBe('');
    }
    expect((await anonymous('GET', '/_info')).status).toBe(200);
    expect((await rawClient(platform, validator, 'not.a.jwt')('GET', '/workflows')).status).toBe(401);
    const readOnly = rawClient(platform, validator, await token(platform, 'orchestration:read'));
    expect((await readOnly('GET', '/workflows')).status).toBe(200);
    expect((await readOnly('POST', '/workflows', { body: { stages: [] } })).status).toBe(401);
    const wrong = await fetch(`${platform.url}/api/auth/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: 'wrong' }),
    });
    expect(wrong.status).toBe(401);
    await expect(sdkFor(platform, false).orchestration.v1.listWorkflows()).rejects.toMatchObject({ statusCode: 401 });
  });

  it('redrives a failed instance from its failed stage (our extension, v1 and v2 paths, write scope)', async () => {
    let fixed = false;
    const hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => (fixed ? res.writeHead(200, { 'content-type': 'application/json' }).end('{}') : res.writeHead(404).end()));
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      const created = await http('POST', '/workflows', { body: { stages: [{ noop: {} }, { http: { url, retry: { attempts: 1 } } }] } });
      const workflowID = (created.body as { data: { id: string } }).data.id;
      const started = await http('POST', `/workflows/${workflowID}/instances`, { body: {} });
      const id = (started.body as { data: { id: string } }).data.id;
      const ended = () =>
        eventually(async () => {
          const got = (await http('GET', `/instances/${id}`)).body as { data: { terminated: boolean; error?: string } };
          return got.data.terminated ? got.data : undefined;
        }, { what: 'termination', timeoutMs: 20_000 });
      expect(await ended()).toMatchObject({ error: 'HTTP 404 Not Found' });
      const readOnly = rawClient(platform, validator, await token(platform, 'orchestration:read'));
      expect((await readOnly('PUT', `/instances/${id}/redrive`)).status).toBe(401);
      fixed = true;
      expect((await http('PUT', `/instances/${id}/redrive`)).status).toBe(204);
      const done = await ended();
      expect(done.error).toBeUndefined();
      const history = (await http('GET', `/instances/${id}/history`)).body as { data: Array<{ name: string; redrives?: number }> };
      expect(history.data.map((h) => [h.name, h.redrives])).toEqual([['RunNoop', undefined], ['RunHttp', 1]]);
      const again = await http('PUT', `/v2/instances/${id}/redrive`);
      expect(again).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION', errorMessage: `instance ${id} is succeeded: only a failed instance can be redriven` } });
      expect((await http('PUT', `/instances/${UNKNOWN}/redrive`)).status).toBe(404);
    } finally {
      hook.closeAllConnections();
      await new Promise((resolve) => hook.close(resolve));
    }
  });

  // Declared last: every response validated above, against the vendor's file (skipped without SPECS_DIR).
  itConformsToVendorSpec('formance-orchestration-v1.yaml', () => validator.seen);
});

describe('Formance Orchestration v1 with auth off', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'orch_noauth',
      services: ['orchestrator', 'gateway'],
      env: { ORCHESTRATION_RUN_WAIT_TIMEOUT_MS: '700' },
    });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('serves every route without a token and warns at start', async () => {
    const v1 = sdkFor(platform, false).orchestration.v1;
    const created = await v1.createWorkflow({ stages: [{ noop: {} }] });
    expect(created.statusCode).toBe(201);
    const run = await v1.runWorkflow({ workflowID: created.createWorkflowResponse!.data.id, wait: true });
    expect(run.runWorkflowResponse!.data.terminated).toBe(true);
    expect(platform.logLines('gateway').some((line) => String(line.msg).includes('auth is disabled'))).toBe(true);
  });

  it('bounds wait=true by ORCHESTRATION_RUN_WAIT_TIMEOUT_MS and then answers with the running instance', async () => {
    const v1 = sdkFor(platform, false).orchestration.v1;
    const workflow = (await v1.createWorkflow({ stages: [{ wait_event: { event: 'never' } }] })).createWorkflowResponse!.data;
    const started = Date.now();
    const run = await v1.runWorkflow({ workflowID: workflow.id, wait: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(650);
    expect(run.statusCode).toBe(201);
    expect(run.runWorkflowResponse!.data.terminated).toBe(false);
  });
});
