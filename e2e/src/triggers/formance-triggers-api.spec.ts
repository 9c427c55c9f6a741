import { SDK } from '@formance/formance-sdk';
import { OpenApiResponseValidator, PlatformUnderTest, itConformsToVendorSpec } from '@wfp/testing';
import { CLIENT_ID, CLIENT_SECRET, sdkFor, token } from './helpers';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('Formance v1 trigger operations through the official SDK', () => {
  let platform: PlatformUnderTest;
  let sdk: SDK;
  let validator: OpenApiResponseValidator;
  let bearer: string;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'trg_api',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}` },
    });
    sdk = sdkFor(platform);
    validator = await OpenApiResponseValidator.load('formance-v1');
    bearer = await token(platform);
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  /** Raw HTTP with the body validated against the v1 spec (error bodies too). */
  async function http(method: string, path: string, template: string, body?: string, contentType = 'application/json') {
    const res = await fetch(`${platform.url}/api/orchestration${path}`, {
      method,
      headers: { Authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
      body,
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    if (parsed !== undefined) validator.assertValid(method, template, res.status, parsed);
    return { status: res.status, body: parsed };
  }

  it('creates, lists (by name), reads, lists occurrences of and deletes triggers', async () => {
    const v1 = sdk.orchestration.v1;
    const workflow = (await v1.createWorkflow({ stages: [{ noop: {} }] })).createWorkflowResponse!.data;
    const created = await v1.createTrigger({
      name: 'Big Payments',
      event: 'SAVED_PAYMENT',
      version: 'v2',
      workflowID: workflow.id,
      filter: 'event.amount > 1000 && hasPrefix(event.reference, "inv")',
      vars: { payment: 'event.id' },
    });
    expect(created.statusCode).toBe(201);
    const trigger = created.createTriggerResponse!.data;
    expect(trigger).toMatchObject({
      name: 'Big Payments',
      event: 'SAVED_PAYMENT',
      version: 'v2',
      workflowID: workflow.id,
      filter: 'event.amount > 1000 && hasPrefix(event.reference, "inv")',
      vars: { payment: 'event.id' },
    });
    expect(trigger.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(trigger.createdAt).toBeInstanceOf(Date);
    const small = (await v1.createTrigger({ event: 'SAVED_PAYMENT', workflowID: workflow.id, name: 'small payments' })).createTriggerResponse!.data;
    const unnamed = (await v1.createTrigger({ event: 'SAVED_ACCOUNT', workflowID: workflow.id })).createTriggerResponse!.data;

    const all = (await v1.listTriggers({})).listTriggersResponse!.data.map((t) => t.id);
    expect(all).toEqual([trigger.id, small.id, unnamed.id]);
    expect((await v1.listTriggers({ name: 'PAYMENTS' })).listTriggersResponse!.data.map((t) => t.id)).toEqual([trigger.id, small.id]);
    expect((await v1.listTriggers({ name: 'big' })).listTriggersResponse!.data.map((t) => t.id)).toEqual([trigger.id]);
    expect((await v1.listTriggers({ name: "x' OR 1=1 --" })).listTriggersResponse!.data).toEqual([]);

    const read = await v1.readTrigger({ triggerID: trigger.id });
    expect(read.readTriggerResponse!.data).toEqual(trigger);
    const occurrences = await v1.listTriggersOccurrences({ triggerID: trigger.id });
    expect(occurrences.statusCode).toBe(200);
    expect(occurrences.listTriggersOccurrencesResponse!.data).toEqual([]);

    const deleted = await v1.deleteTrigger({ triggerID: small.id });
    expect(deleted.statusCode).toBe(204);
    await expect(v1.readTrigger({ triggerID: small.id })).rejects.toMatchObject({ statusCode: 404 });
    await expect(v1.deleteTrigger({ triggerID: small.id })).rejects.toMatchObject({ statusCode: 404 });
    expect((await v1.listTriggers({})).listTriggersResponse!.data.map((t) => t.id)).toEqual([trigger.id, unnamed.id]);

    // Raw bodies conform to the spec.
    expect((await http('GET', '/triggers', '/triggers')).status).toBe(200);
    expect((await http('GET', '/triggers?name=big', '/triggers')).body).toMatchObject({ data: [{ id: trigger.id }] });
    expect((await http('GET', `/triggers/${trigger.id}`, '/triggers/{triggerID}')).status).toBe(200);
    expect((await http('GET', `/triggers/${unnamed.id}/occurrences`, '/triggers/{triggerID}/occurrences')).body).toEqual({ data: [] });
  });

  it('answers bad input with the upstream codes and messages, in the Formance error format', async () => {
    const v1 = sdk.orchestration.v1;
    const workflow = (await v1.createWorkflow({ stages: [{ noop: {} }] })).createWorkflowResponse!.data;
    const gone = (await v1.createWorkflow({ stages: [{ noop: {} }] })).createWorkflowResponse!.data;
    await v1.deleteWorkflow({ flowId: gone.id });
    const create = (body: unknown) => http('POST', '/triggers', '/triggers', typeof body === 'string' ? body : JSON.stringify(body));

    expect(await create({ workflowID: workflow.id })).toEqual({
      status: 400,
      body: { errorCode: 'VALIDATION', errorMessage: 'validating data: missing event' },
    });
    expect(await create({ event: 'X', filter: '((' })).toEqual({
      status: 400,
      body: { errorCode: 'VALIDATION', errorMessage: 'validating data: missing workflow id' },
    });
    const compile = await create({ event: 'X', workflowID: UNKNOWN, filter: 'event.a ==' });
    expect(compile.status).toBe(400);
    expect(compile.body).toMatchObject({ errorCode: 'VALIDATION', errorMessage: expect.stringMatching(/^validating data: error compiling expression 'event.a ==': /) });
    expect((await create({ event: 'X', workflowID: workflow.id, vars: { v: 'event.' } })).status).toBe(400);
    expect(await create({ event: 'X', workflowID: UNKNOWN })).toEqual({
      status: 404,
      body: { errorCode: 'NOT_FOUND', errorMessage: 'workflow does not exists' },
    });
    expect((await create({ event: 'X', workflowID: gone.id })).status).toBe(404);
    // Upstream answers 500 for these; we answer 400.
    expect(await create('{"event": "X",')).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION' } });
    expect(await create({ event: 'X', workflowID: workflow.id, vars: { v: 3 } })).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION' } });
    expect(await create('[1,2]')).toMatchObject({ status: 400, body: { errorCode: 'VALIDATION' } });
    expect(await http('GET', `/triggers/${UNKNOWN}`, '/triggers/{triggerID}')).toEqual({
      status: 404,
      body: { errorCode: 'NOT_FOUND', errorMessage: 'sql: no rows in result set' },
    });
    expect((await http('GET', '/triggers/not-a-uuid', '/triggers/{triggerID}')).status).toBe(404);
    expect((await http('DELETE', `/triggers/${UNKNOWN}`, '/triggers/{triggerID}')).status).toBe(404);
    expect(await http('GET', `/triggers/${UNKNOWN}/occurrences`, '/triggers/{triggerID}/occurrences')).toEqual({ status: 200, body: { data: [] } });

    // Auth: reads need a token.
    const anonymous = await fetch(`${platform.url}/api/orchestration/triggers`);
    expect(anonymous.status).toBe(401);
  });

  // Declared last: every response validated above, against the vendor's file (skipped without SPECS_DIR).
  itConformsToVendorSpec('formance-orchestration-v1.yaml', () => validator.seen);
});
