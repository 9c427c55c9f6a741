import { SDK } from '@formance/formance-sdk';
import { eventually, itConformsToVendorSpec, OpenApiResponseValidator, PlatformUnderTest } from '@wfp/testing';
import { CLIENT_ID, CLIENT_SECRET, token } from './helpers';
import { SpecCheckedSdk, V2_TEMPLATES } from './v2-helpers';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

/**
 * Formance Orchestration v2 under /api/orchestration/v2, through the official SDK's
 * `sdk.orchestration.v2.*`, every JSON body checked against the project's own `formance-v2`
 * document (docs/openapi/formance-v2.json); the last test checks the same bodies against the
 * vendor's v2 file (when SPECS_DIR has it).
 */
describe('Formance Orchestration v2 through the official SDK (auth on)', () => {
  let platform: PlatformUnderTest;
  let validator: OpenApiResponseValidator;
  let checked: SpecCheckedSdk;
  let sdk: SDK;
  let bearer: string;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'orch_v2',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50' },
    });
    validator = await OpenApiResponseValidator.load('formance-v2');
    checked = new SpecCheckedSdk(platform, validator, V2_TEMPLATES);
    sdk = checked.sdk;
    bearer = await token(platform);
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  afterEach(() => {
    expect(checked.problems).toEqual([]);
  });

  /** Raw HTTP on /api/orchestration (bodies of v2 paths spec-checked too). */
  async function http(method: string, path: string, body?: unknown, auth: string | undefined = bearer) {
    const res = await fetch(`${platform.url}/api/orchestration${path}`, {
      method,
      headers: { ...(auth ? { Authorization: `Bearer ${auth}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    await checked.check(method, new URL(res.url).pathname, res.clone());
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined, text };
  }

  it('serves _info and the workflow and instance operations', async () => {
    const v2 = sdk.orchestration.v2;
    const info = await v2.getServerInfo();
    expect(info.v2ServerInfo!.version).toEqual(expect.any(String));

    const created = await v2.createWorkflow({
      name: 'v2-e2e',
      stages: [{ delay: { duration: '100ms' } }, { wait_event: { event: '${ev}' } }, { noop: {} }],
    });
    expect(created.statusCode).toBe(201);
    const workflow = created.v2CreateWorkflowResponse!.data;
    expect((await v2.getWorkflow({ flowId: workflow.id })).v2GetWorkflowResponse!.data).toMatchObject({ id: workflow.id, config: { name: 'v2-e2e' } });
    const listed = (await v2.listWorkflows({})).v2ListWorkflowsResponse!.cursor;
    expect(listed).toMatchObject({ pageSize: 15, hasMore: false });
    expect(listed.data.map((w) => w.id)).toContain(workflow.id);

    const run = await v2.runWorkflow({ workflowID: workflow.id, requestBody: { ev: 'go' } });
    expect(run.statusCode).toBe(201);
    const instance = run.v2RunWorkflowResponse!.data;
    expect(instance).toMatchObject({ workflowID: workflow.id, terminated: false });
    await eventually(async () => (await v2.getInstance({ instanceID: instance.id })).v2GetWorkflowInstanceResponse!.data.status?.length === 2, {
      what: 'the wait_event stage',
    });
    const running = (await v2.listInstances({ workflowID: workflow.id, running: true })).v2ListRunsResponse!.cursor;
    expect(running.data.map((i) => i.id)).toEqual([instance.id]);
    expect((await v2.sendEvent({ instanceID: instance.id, requestBody: { name: 'go' } })).statusCode).toBe(204);
    const done = await eventually(async () => {
      const current = (await v2.getInstance({ instanceID: instance.id })).v2GetWorkflowInstanceResponse!.data;
      return current.terminated ? current : undefined;
    });
    expect(done.error).toBeUndefined();
    expect(done.status!.map((s) => s.stage)).toEqual([0, 1, 2]);
    const history = (await v2.getInstanceHistory({ instanceID: instance.id })).v2GetWorkflowInstanceHistoryResponse!.data;
    expect(history.map((h) => [h.name, h.terminated])).toEqual([
      ['RunDelay', true],
      ['RunWaitEvent', true],
      ['RunNoop', true],
    ]);
    expect((await v2.getInstanceStageHistory({ instanceID: instance.id, number: 1 })).v2GetWorkflowInstanceHistoryStageResponse!.data).toEqual([]);
    const runs = (await v2.listInstances({ workflowID: workflow.id })).v2ListRunsResponse!.cursor;
    expect(runs).toMatchObject({ pageSize: 15, hasMore: false });
    expect(runs.data.map((i) => i.id)).toEqual([instance.id]);
    expect((await v2.listInstances({ workflowID: workflow.id, running: true })).v2ListRunsResponse!.cursor.data).toEqual([]);

    // wait=true, and abort of a running instance.
    const quick = (await v2.createWorkflow({ stages: [{ noop: {} }, { delay: { duration: '200ms' } }] })).v2CreateWorkflowResponse!.data;
    const waited = await v2.runWorkflow({ workflowID: quick.id, wait: true });
    expect(waited.v2RunWorkflowResponse!.data).toMatchObject({ terminated: true });
    const waiting = (await v2.createWorkflow({ stages: [{ wait_event: { event: 'never' } }] })).v2CreateWorkflowResponse!.data;
    const blocked = (await v2.runWorkflow({ workflowID: waiting.id })).v2RunWorkflowResponse!.data;
    await eventually(async () => (await v2.getInstance({ instanceID: blocked.id })).v2GetWorkflowInstanceResponse!.data.status?.length === 1);
    expect((await v2.cancelEvent({ instanceID: blocked.id })).statusCode).toBe(204);
    expect((await v2.getInstance({ instanceID: blocked.id })).v2GetWorkflowInstanceResponse!.data).toMatchObject({ terminated: true, error: 'canceled' });

    // Delete: gone from the list, still readable by id (as v1).
    expect((await v2.deleteWorkflow({ flowId: waiting.id })).statusCode).toBe(204);
    expect((await v2.listWorkflows({ pageSize: 1000 })).v2ListWorkflowsResponse!.cursor.data.map((w) => w.id)).not.toContain(waiting.id);
    await expect(v2.deleteWorkflow({ flowId: 'not-a-uuid' })).rejects.toMatchObject({ statusCode: 400, errorCode: 'VALIDATION' });
    await expect(v2.getInstance({ instanceID: UNKNOWN })).rejects.toMatchObject({ statusCode: 404, errorCode: 'NOT_FOUND' });
  }, 60_000);

  it('serves the trigger operations, test included (which starts and records nothing)', async () => {
    const v2 = sdk.orchestration.v2;
    const workflow = (await v2.createWorkflow({ name: 'on-order', stages: [{ noop: {} }] })).v2CreateWorkflowResponse!.data;
    const created = await v2.createTrigger({
      name: 'Big Orders',
      event: 'order.placed',
      workflowID: workflow.id,
      filter: 'event.total > 100',
      vars: { total: 'event.total', customer: 'event.customer.name', broken: 'event.total + "x"' },
    });
    expect(created.statusCode).toBe(201);
    const trigger = created.v2CreateTriggerResponse!.data;
    expect((await v2.readTrigger({ triggerID: trigger.id })).v2ReadTriggerResponse!.data).toMatchObject({ id: trigger.id, name: 'Big Orders' });
    expect((await v2.listTriggers({ name: 'big ord' })).v2ListTriggersResponse!.cursor.data.map((t) => t.id)).toEqual([trigger.id]);
    expect((await v2.listTriggers({ name: 'nothing like it' })).v2ListTriggersResponse!.cursor.data).toEqual([]);

    const matched = await v2.testTrigger({ triggerID: trigger.id, requestBody: { total: 250, customer: { name: 'Ada' } } });
    expect(matched.statusCode).toBe(200);
    const result = matched.v2TestTriggerResponse!.data;
    expect(result.filter).toEqual({ match: true });
    expect(result.variables!.total).toEqual({ value: '250' });
    expect(result.variables!.customer).toEqual({ value: 'Ada' });
    expect(result.variables!.broken.value).toBeUndefined();
    expect(result.variables!.broken.error).toEqual(expect.any(String));

    const missed = (await v2.testTrigger({ triggerID: trigger.id, requestBody: { total: 5 } })).v2TestTriggerResponse!.data;
    expect(missed).toEqual({ filter: { match: false } });
    const filterError = (await v2.testTrigger({ triggerID: trigger.id, requestBody: { total: 'abc' } })).v2TestTriggerResponse!.data;
    expect(filterError.filter!.match).toBe(false);
    expect(filterError.variables).toBeUndefined();

    const unfiltered = (await v2.createTrigger({ event: 'order.placed', workflowID: workflow.id, vars: { id: 'event.id' } })).v2CreateTriggerResponse!.data;
    expect((await v2.testTrigger({ triggerID: unfiltered.id, requestBody: { id: 'o-1' } })).v2TestTriggerResponse!.data).toEqual({
      variables: { id: { value: 'o-1' } },
    });
    await expect(v2.testTrigger({ triggerID: UNKNOWN, requestBody: {} })).rejects.toMatchObject({ statusCode: 404, errorCode: 'NOT_FOUND' });
    expect((await http('POST', `/v2/triggers/${trigger.id}/test`, '[1]')).status).toBe(400);

    // Testing started nothing and recorded nothing.
    expect((await v2.listInstances({ workflowID: workflow.id })).v2ListRunsResponse!.cursor.data).toEqual([]);
    expect((await v2.listTriggersOccurrences({ triggerID: trigger.id })).v2ListTriggersOccurrencesResponse!.cursor.data).toEqual([]);

    // Three real events: three occurrences, paged two at a time.
    for (const id of ['order-1', 'order-2', 'order-3']) {
      const res = await fetch(`${platform.url}/api/events`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ id, app: 'shop', version: 'v1', type: 'order.placed', payload: { total: 500, customer: { name: id } } }),
      });
      expect(res.status).toBe(202);
    }
    await eventually(async () => {
      const all = (await v2.listTriggersOccurrences({ triggerID: unfiltered.id, pageSize: 100 })).v2ListTriggersOccurrencesResponse!.cursor.data;
      return all.length === 3;
    }, { what: 'three occurrences' });
    const first = (await v2.listTriggersOccurrences({ triggerID: unfiltered.id, pageSize: 2 })).v2ListTriggersOccurrencesResponse!.cursor;
    expect(first).toMatchObject({ pageSize: 2, hasMore: true });
    expect(first.previous).toBeUndefined();
    const second = (await v2.listTriggersOccurrences({ triggerID: unfiltered.id, cursor: first.next! })).v2ListTriggersOccurrencesResponse!.cursor;
    expect(second).toMatchObject({ pageSize: 2, hasMore: false });
    expect(second.next).toBeUndefined();
    const ids = [...first.data, ...second.data].map((o) => (o.event as { id: string }).id);
    expect([...ids].sort()).toEqual(['order-1', 'order-2', 'order-3']);
    expect(second.data[0].workflowInstanceID).toEqual(expect.any(String));
    // A cursor of one trigger's occurrences is refused for another's.
    const foreign = await http('GET', `/v2/triggers/${trigger.id}/occurrences?cursor=${encodeURIComponent(first.next!)}`);
    expect(foreign.status).toBe(400);

    expect((await v2.deleteTrigger({ triggerID: trigger.id })).statusCode).toBe(204);
    await expect(v2.readTrigger({ triggerID: trigger.id })).rejects.toMatchObject({ statusCode: 404 });
    await expect(v2.testTrigger({ triggerID: trigger.id, requestBody: {} })).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);

  it('pages through 100 workflows 7 at a time, each exactly once and in order, also while new ones are created', async () => {
    const v2 = sdk.orchestration.v2;
    for (let i = 0; i < 100; i++) await v2.createWorkflow({ name: `page-${i}`, stages: [] });
    const everything = (await sdk.orchestration.v1.listWorkflows()).listWorkflowsResponse!.data.map((w) => w.id);
    expect(everything.length).toBeGreaterThanOrEqual(100);

    const walk = async (duringEachPage: () => Promise<void>) => {
      const seen: string[] = [];
      const pages: Array<{ previous?: string; ids: string[] }> = [];
      let cursor: string | undefined;
      for (let guard = 0; guard < 100; guard++) {
        const page = (await v2.listWorkflows(cursor ? { cursor } : { pageSize: 7 })).v2ListWorkflowsResponse!.cursor;
        expect(page.pageSize).toBe(7);
        expect(page.data.length).toBeLessThanOrEqual(7);
        seen.push(...page.data.map((w) => w.id));
        pages.push({ previous: page.previous, ids: page.data.map((w) => w.id) });
        await duringEachPage();
        if (!page.hasMore) {
          expect(page.next).toBeUndefined();
          break;
        }
        expect(page.data).toHaveLength(7);
        cursor = page.next!;
      }
      return { seen, pages };
    };

    const still = await walk(async () => undefined);
    expect(still.seen).toEqual(everything);
    expect(still.pages[0].previous).toBeUndefined();
    // `previous` of page n gives page n-1 exactly.
    const back = (await v2.listWorkflows({ cursor: still.pages[3].previous! })).v2ListWorkflowsResponse!.cursor;
    expect(back.data.map((w) => w.id)).toEqual(still.pages[2].ids);
    expect(back.hasMore).toBe(true);
    const forward = (await v2.listWorkflows({ cursor: back.next! })).v2ListWorkflowsResponse!.cursor;
    expect(forward.data.map((w) => w.id)).toEqual(still.pages[3].ids);

    let added = 0;
    const moving = await walk(async () => {
      await Promise.all([1, 2, 3].map((n) => v2.createWorkflow({ name: `during-${added}-${n}`, stages: [] })));
      added += 3;
    });
    expect(new Set(moving.seen).size).toBe(moving.seen.length);
    expect(moving.seen.slice(0, everything.length)).toEqual(everything);
    const after = (await sdk.orchestration.v1.listWorkflows()).listWorkflowsResponse!.data.map((w) => w.id);
    // Every workflow walked past is in list order; the ones created meanwhile come after the old ones.
    expect(moving.seen).toEqual(after.slice(0, moving.seen.length));
  }, 180_000);

  it('pages instances and triggers with their v1 filters kept inside the cursor', async () => {
    const v2 = sdk.orchestration.v2;
    const workflow = (await v2.createWorkflow({ stages: [{ noop: {} }] })).v2CreateWorkflowResponse!.data;
    const other = (await v2.createWorkflow({ stages: [{ noop: {} }] })).v2CreateWorkflowResponse!.data;
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) {
      runs.push((await v2.runWorkflow({ workflowID: workflow.id })).v2RunWorkflowResponse!.data.id);
      await v2.runWorkflow({ workflowID: other.id });
    }
    const seen: string[] = [];
    let page = (await v2.listInstances({ workflowID: workflow.id, pageSize: 2 })).v2ListRunsResponse!.cursor;
    seen.push(...page.data.map((i) => i.id));
    while (page.hasMore) {
      // The cursor carries the filter: a different workflowID beside it is ignored (as upstream).
      page = (await v2.listInstances({ cursor: page.next!, workflowID: other.id, pageSize: 50 })).v2ListRunsResponse!.cursor;
      expect(page.pageSize).toBe(2);
      seen.push(...page.data.map((i) => i.id));
    }
    const v1Order = (await sdk.orchestration.v1.listInstances({ workflowID: workflow.id })).listRunsResponse!.data.map((i) => i.id);
    expect(seen).toEqual(v1Order);
    expect([...seen].sort()).toEqual([...runs].sort());

    const names = ['pg-a', 'PG-b', 'x-pg-c', 'pg-d', 'pg-e'];
    const ids: string[] = [];
    for (const name of names) ids.push((await v2.createTrigger({ name, event: 'pg.event', workflowID: workflow.id })).v2CreateTriggerResponse!.data.id);
    await v2.createTrigger({ name: 'unrelated', event: 'pg.event', workflowID: workflow.id });
    const first = (await v2.listTriggers({ name: 'pg-', pageSize: 2 })).v2ListTriggersResponse!.cursor;
    const second = (await v2.listTriggers({ cursor: first.next! })).v2ListTriggersResponse!.cursor;
    const third = (await v2.listTriggers({ cursor: second.next! })).v2ListTriggersResponse!.cursor;
    expect([first, second, third].map((p) => p.hasMore)).toEqual([true, true, false]);
    const v1Triggers = (await sdk.orchestration.v1.listTriggers({ name: 'pg-' })).listTriggersResponse!.data.map((t) => t.id);
    expect([...v1Triggers].sort()).toEqual([...ids].sort());
    expect([...first.data, ...second.data, ...third.data].map((t) => t.id)).toEqual(v1Triggers);
    const back = (await v2.listTriggers({ cursor: third.previous! })).v2ListTriggersResponse!.cursor;
    expect(back.data.map((t) => t.id)).toEqual(second.data.map((t) => t.id));
  }, 60_000);

  it('refuses bad, tampered and foreign cursors and bad page sizes with a 400 in the Formance error shape', async () => {
    const v2 = sdk.orchestration.v2;
    await v2.createWorkflow({ stages: [] });
    await v2.createWorkflow({ stages: [] });
    const page = (await v2.listWorkflows({ pageSize: 1 })).v2ListWorkflowsResponse!.cursor;
    const next = page.next!;
    const [body, signature] = next.split('.');
    const state = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...state, s: 1000 })).toString('base64url');
    const flipped = `${body.slice(0, -1)}${body.endsWith('A') ? 'B' : 'A'}.${signature}`;
    for (const cursor of ['garbage', `${forged}.${signature}`, flipped, `${body}.`, body, 'eyJvZmZzZXQiOjE1LCJvcmRlciI6MCwicGFnZVNpemUiOjE1fQ']) {
      const res = await http('GET', `/v2/workflows?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ errorCode: 'VALIDATION', errorMessage: "invalid 'cursor' query param" });
    }
    // A workflows cursor is no instances or triggers cursor.
    expect((await http('GET', `/v2/instances?cursor=${encodeURIComponent(next)}`)).status).toBe(400);
    expect((await http('GET', `/v2/triggers?cursor=${encodeURIComponent(next)}`)).status).toBe(400);
    await expect(v2.listWorkflows({ cursor: 'garbage' })).rejects.toMatchObject({ statusCode: 400, errorCode: 'VALIDATION' });

    for (const size of ['abc', '-1', '1.5']) {
      const res = await http('GET', `/v2/workflows?pageSize=${size}`);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ errorCode: 'VALIDATION', errorMessage: "invalid 'pageSize' query param" });
    }
    expect(((await http('GET', '/v2/workflows?pageSize=0')).body as { cursor: { pageSize: number } }).cursor.pageSize).toBe(15);
    expect(((await http('GET', '/v2/workflows?pageSize=5000')).body as { cursor: { pageSize: number } }).cursor.pageSize).toBe(1000);
  });

  it('answers every error case exactly as v1 does', async () => {
    const cases: Array<[string, string, unknown?]> = [
      ['POST', '/workflows', '{"stages": ['],
      ['POST', '/workflows', { stages: [{ teleport: {} }] }],
      ['DELETE', '/workflows/not-a-uuid'],
      ['GET', `/workflows/${UNKNOWN}`],
      ['DELETE', `/workflows/${UNKNOWN}`],
      ['POST', `/workflows/${UNKNOWN}/instances`],
      ['POST', `/workflows/${UNKNOWN}/instances`, { a: 1 }],
      ['GET', `/instances/${UNKNOWN}`],
      ['POST', `/instances/${UNKNOWN}/events`, { name: 'x' }],
      ['POST', `/instances/${UNKNOWN}/events`, { name: 3 }],
      ['PUT', `/instances/${UNKNOWN}/abort`],
      ['GET', `/instances/${UNKNOWN}/history`],
      ['GET', `/instances/${UNKNOWN}/stages/x/history`],
      ['GET', `/instances/${UNKNOWN}/stages/0/history`],
      ['GET', `/triggers/${UNKNOWN}`],
      ['DELETE', `/triggers/${UNKNOWN}`],
      ['POST', '/triggers', { workflowID: UNKNOWN }],
      ['POST', '/triggers', { event: 'x', workflowID: UNKNOWN }],
      ['POST', '/triggers', { event: 'x', workflowID: UNKNOWN, filter: '((' }],
      ['GET', `/triggers?name=${'n'.repeat(1001)}`],
      ['GET', `/triggers/${'t'.repeat(1001)}/occurrences`],
    ];
    for (const [method, path, body] of cases) {
      const v1 = await http(method, path, body);
      const v2 = await http(method, `/v2${path}`, body);
      expect({ path, status: v2.status, body: v2.body }).toEqual({ path, status: v1.status, body: v1.body });
      expect(v2.status).toBeGreaterThanOrEqual(400);
      expect(v2.status).toBeLessThan(500);
    }
  });

  it('requires a token with the right scope on every v2 route but _info; other letter cases are 404', async () => {
    for (const path of ['/v2/workflows', '/v2/instances', '/v2/triggers', `/v2/workflows/${UNKNOWN}`, `/v2/triggers/${UNKNOWN}/occurrences`]) {
      const res = await http('GET', path, undefined, '');
      expect(res.status).toBe(401);
      expect(res.text).toBe('');
    }
    expect((await http('POST', `/v2/triggers/${UNKNOWN}/test`, {}, '')).status).toBe(401);
    // Routing is case-sensitive (issue 9): another spelling matches no route, so it never reaches a handler.
    const upper = await fetch(`${platform.url}/api/orchestration/V2/Workflows`);
    expect(upper.status).toBe(404);
    expect((await http('GET', '/v2/_info', undefined, '')).status).toBe(200);
    const readOnly = await token(platform, 'orchestration:read');
    expect((await http('GET', '/v2/workflows', undefined, readOnly)).status).toBe(200);
    expect((await http('POST', '/v2/workflows', { stages: [] }, readOnly)).status).toBe(401);
    expect((await http('POST', `/v2/triggers/${UNKNOWN}/test`, {}, readOnly)).status).toBe(401);
  });

  it('labels instances with metadata and searches them by metadata, status and time (our extension)', async () => {
    const label = `t-${Date.now()}`;
    const created = await http('POST', '/v2/workflows', { stages: [{ wait_event: { event: 'go' } }] });
    const workflowID = (created.body!.data as { id: string }).id;
    const start = async (query: string) => ((await http('POST', `/v2/workflows/${workflowID}/instances?${query}`, {})).body!.data as { id: string; metadata?: Record<string, string> });
    const acme = await start(`metadata[tenant]=${label}-acme&metadata[region]=eu`);
    expect(acme.metadata).toEqual({ tenant: `${label}-acme`, region: 'eu' });
    const globex = await start(`metadata[tenant]=${label}-globex`);
    const between = new Date().toISOString();
    const acme2 = await start(`metadata[tenant]=${label}-acme`);
    const ids = async (query: string) => ((await http('GET', `/v2/instances?${query}`)).body!.cursor as { data: Array<{ id: string }> }).data.map((i) => i.id);
    expect(await ids(`metadata[tenant]=${label}-acme`)).toEqual([acme.id, acme2.id]);
    expect(await ids(`metadata[tenant]=${label}-acme&metadata[region]=eu`)).toEqual([acme.id]);
    expect(await ids(`metadata[tenant]=${label}-acme&createdAfter=${encodeURIComponent(between)}`)).toEqual([acme2.id]);
    expect(await ids(`metadata[tenant]=${label}-acme&createdBefore=${encodeURIComponent(between)}`)).toEqual([acme.id]);
    // Labels change after start: set one, remove one.
    expect((await http('PUT', `/v2/instances/${globex.id}/metadata`, { tenant: `${label}-acme`, tier: 'gold' })).status).toBe(204);
    expect((await http('PUT', `/v2/instances/${acme.id}/metadata`, { region: null })).status).toBe(204);
    expect(await ids(`metadata[tenant]=${label}-acme`)).toEqual([acme.id, globex.id, acme2.id]);
    expect(((await http('GET', `/v2/instances/${acme.id}`)).body!.data as { metadata?: unknown }).metadata).toEqual({ tenant: `${label}-acme` });
    // Status: abort one; the search pages with its filters inside the cursor.
    expect((await http('PUT', `/v2/instances/${acme2.id}/abort`)).status).toBe(204);
    expect(await ids(`metadata[tenant]=${label}-acme&status=canceled`)).toEqual([acme2.id]);
    const firstPage = (await http('GET', `/v2/instances?metadata[tenant]=${label}-acme&status=running&pageSize=1`)).body!.cursor as { data: Array<{ id: string }>; next: string };
    expect(firstPage.data.map((i) => i.id)).toEqual([acme.id]);
    const secondPage = (await http('GET', `/v2/instances?cursor=${encodeURIComponent(firstPage.next)}`)).body!.cursor as { data: Array<{ id: string }> };
    expect(secondPage.data.map((i) => i.id)).toEqual([globex.id]);
    // Bad input: a 400 in the Formance error shape, naming the parameter.
    expect(await http('GET', '/v2/instances?status=sleepy')).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION', errorMessage: "invalid 'status' query param: running, succeeded, failed or canceled" } });
    expect(await http('GET', '/v2/instances?createdAfter=yesterday')).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION', errorMessage: "invalid 'createdAfter' query param: an RFC 3339 date-time" } });
    expect((await http('POST', `/v2/workflows/${workflowID}/instances?metadata[${'k'.repeat(65)}]=v`, {})).status).toBe(400);
    expect(await http('PUT', `/v2/instances/${acme.id}/metadata`, { tier: 3 })).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION' } });
    expect(await http('PUT', `/v2/instances/${UNKNOWN}/metadata`, { tier: 'x' })).toMatchObject({ status: 404, body: { errorCode: 'NOT_FOUND' } });
    expect(await http('PUT', `/v2/instances/${acme.id}/redrive`)).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION' } });
    expect((await http('PUT', `/v2/instances/${acme.id}/metadata`, { tier: 'x' }, '')).status).toBe(401);
  });

  it('pauses a workflow (queue or drop) and resumes it (our extension)', async () => {
    const workflowID = ((await http('POST', '/v2/workflows', { stages: [{ noop: {} }] })).body!.data as { id: string }).id;
    const paused = await http('PUT', `/v2/workflows/${workflowID}/pause`, { mode: 'drop' });
    expect(paused).toMatchObject({ status: 200, body: { data: { id: workflowID, paused: { mode: 'drop' } } } });
    expect(await http('POST', `/v2/workflows/${workflowID}/instances`, {})).toMatchObject({
      status: 409, body: { errorCode: 'VALIDATION', errorMessage: `workflow ${workflowID} is paused: starts are dropped until it is resumed` },
    });
    expect(await http('PUT', `/v2/workflows/${workflowID}/resume`)).toMatchObject({ status: 200, body: { data: { released: 0 } } });
    expect((await http('PUT', `/v2/workflows/${workflowID}/pause`)).status).toBe(200); // queue by default
    const queued = (await http('POST', `/v2/workflows/${workflowID}/instances`, {})).body!.data as { id: string; terminated: boolean };
    expect(queued.terminated).toBe(false);
    expect(await http('PUT', `/v2/workflows/${workflowID}/resume`)).toMatchObject({ status: 200, body: { data: { released: 1 } } });
    await eventually(async () => ((await http('GET', `/v2/instances/${queued.id}`)).body!.data as { terminated: boolean }).terminated, { what: 'released' });
    expect(await http('PUT', `/v2/workflows/${workflowID}/pause`, { mode: 'sometimes' })).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION' } });
    expect((await http('PUT', `/v2/workflows/${UNKNOWN}/resume`)).status).toBe(404);
  });

  it('checked a body of every v2 operation against the formance-v2 document', () => {
    const operations = [...checked.checked].map((entry) => entry.split(' ').slice(0, 2).join(' '));
    for (const expected of [
      'GET /v2/_info',
      'GET /v2/triggers',
      'POST /v2/triggers',
      'GET /v2/triggers/{triggerID}',
      'POST /v2/triggers/{triggerID}/test',
      'GET /v2/triggers/{triggerID}/occurrences',
      'GET /v2/workflows',
      'POST /v2/workflows',
      'GET /v2/workflows/{flowId}',
      'POST /v2/workflows/{workflowID}/instances',
      'GET /v2/instances',
      'GET /v2/instances/{instanceID}',
      'GET /v2/instances/{instanceID}/history',
      'GET /v2/instances/{instanceID}/stages/{number}/history',
      // 204 operations have no body; their error bodies were checked.
      'DELETE /v2/workflows/{flowId}',
      'DELETE /v2/triggers/{triggerID}',
      'POST /v2/instances/{instanceID}/events',
      'PUT /v2/instances/{instanceID}/abort',
      'PUT /v2/instances/{instanceID}/metadata',
      'PUT /v2/workflows/{flowId}/pause',
      'PUT /v2/workflows/{flowId}/resume',
      'PUT /v2/instances/{instanceID}/redrive',
    ]) {
      expect(operations).toContain(expected);
    }
  });

  itConformsToVendorSpec('formance-orchestration-v2.yaml', () => validator.seen);
});
