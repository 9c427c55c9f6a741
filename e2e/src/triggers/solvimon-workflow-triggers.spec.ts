import { randomUUID } from 'node:crypto';
import { SDK } from '@formance/formance-sdk';
import { eventually, OpenApiResponseValidator, PlatformUnderTest, itConformsToVendorSpec } from '@wfp/testing';
import { Bus, CLIENT_ID, CLIENT_SECRET, sdkFor } from './helpers';

const ADMIN = 'sk_test_admin_0123456789';
const VIEWER = 'sk_test_viewer_0123456789';
const CREATOR = 'sk_test_creator_0123456789';
const SCOPED = 'sk_test_scoped_0123456789';

type Json = Record<string, unknown>;

describe('Solvimon workflow triggers API', () => {
  let platform: PlatformUnderTest;
  let sdk: SDK;
  let validator: OpenApiResponseValidator;
  let workflowId: string;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'trg_solvimon',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: {
        FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`,
        SOLVIMON_API_KEYS: JSON.stringify([
          { key: ADMIN, permissions: ['WORKFLOW_TRIGGER.VIEW', 'WORKFLOW_TRIGGER.CREATE'] },
          { key: VIEWER, permissions: ['WORKFLOW_TRIGGER.VIEW'] },
          { key: CREATOR, permissions: ['WORKFLOW_TRIGGER.CREATE'] },
          { key: SCOPED, permissions: ['WORKFLOW_TRIGGER.VIEW', 'WORKFLOW_TRIGGER.CREATE'], platforms: ['plat_scoped'] },
        ]),
      },
    });
    sdk = sdkFor(platform);
    validator = await OpenApiResponseValidator.load('solvimon');
    workflowId = (await sdk.orchestration.v1.createWorkflow({ name: 'dunning', stages: [{ noop: {} }] })).createWorkflowResponse!.data.id;
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  interface Call {
    method?: string;
    path?: string;
    template?: string;
    key?: string | null;
    bearer?: string;
    body?: unknown;
    rawBody?: string;
    contentType?: string | null;
    headers?: Record<string, string>;
  }

  /**
   * One request; every response body is validated against the vendor spec (error bodies against
   * `ApiError`, whatever the status) and must carry X-REQUEST-ID.
   */
  async function call(c: Call): Promise<{ status: number; body: Json; headers: Headers }> {
    const method = c.method ?? 'GET';
    const headers: Record<string, string> = { ...(c.headers ?? {}) };
    if (c.key !== null) headers['X-API-KEY'] = c.key ?? ADMIN;
    if (c.bearer) {
      delete headers['X-API-KEY'];
      headers.Authorization = `Bearer ${c.bearer}`;
    }
    const payload = c.rawBody ?? (c.body !== undefined ? JSON.stringify(c.body) : undefined);
    if (payload !== undefined && c.contentType !== null) headers['Content-Type'] = c.contentType ?? 'application/json';
    const res = await fetch(`${platform.url}${c.path ?? '/v1/workflow-triggers'}`, { method, headers, body: payload });
    const body = (await res.json()) as Json;
    expect(res.headers.get('x-request-id')).toMatch(/^reqr_[0-9A-Za-z]{20}$/);
    if (res.status >= 400) {
      validator.assertValid('get', '/v{version}/workflow-triggers', 401, body); // the ApiError schema
    } else if (c.template) {
      validator.assertValid(method, c.template, res.status, body);
    }
    return { status: res.status, body, headers: res.headers };
  }

  const manualInvoice = (invoiceId: string, customerId = 'cust_1') => ({
    type: 'MANUAL',
    workflow_id: workflowId,
    customer_id: customerId,
    invoice: { invoice_id: invoiceId, manual: { variant: 'OVERDUE', overdue: { period: { type: 'DAY', value: 7 } } } },
  });
  const create = (body: unknown, extra: Partial<Call> = {}) =>
    call({ method: 'POST', template: '/v{version}/workflow-triggers', body, ...extra });

  it('creates MANUAL triggers for each target type, starts the workflow, and reads them back', async () => {
    const invoice = await create(manualInvoice('inv_1'));
    expect(invoice.status).toBe(201);
    expect(invoice.body).toEqual({
      object_type: 'WORKFLOW_TRIGGER',
      id: expect.stringMatching(/^wftr_[0-9A-Za-z]{20}$/),
      customer_id: 'cust_1',
      workflow_id: workflowId,
      type: 'MANUAL',
      invoice: { invoice_id: 'inv_1', event: null, manual: { user_id: null, variant: 'OVERDUE', overdue: { period: { type: 'DAY', value: 7 } } } },
    });
    const payment = await create({ type: 'MANUAL', workflow_id: workflowId, payment: { payment_id: 'pay_1', manual: { variant: 'FAILED_PAYMENT' } } }, { bearer: ADMIN });
    expect(payment.status).toBe(201);
    expect(payment.body).toMatchObject({ customer_id: null, payment: { payment_id: 'pay_1', event: null, manual: { user_id: null, variant: 'FAILED_PAYMENT' } } });
    const subscription = await create({
      type: 'MANUAL',
      workflow_id: workflowId,
      object_type: 'ignored',
      id: 'ignored',
      pricing_plan_subscription: {
        pricing_plan_subscription_id: 'pps_1',
        pricing_plan_schedule_id: 'ppsc_1',
        trial_end_at: '2026-05-01T10:00:00+02:00',
        manual: { user_id: 'usr_1', variant: 'FREE_TRIAL_REMINDER' },
      },
    });
    expect(subscription.status).toBe(201);
    expect(subscription.body.id).not.toBe('ignored');
    expect(subscription.body.pricing_plan_subscription).toMatchObject({ trial_end_at: '2026-05-01T10:00:00+02:00', manual: { user_id: 'usr_1' } });
    const wallet = await create({ type: 'MANUAL', workflow_id: workflowId, wallet: { wallet_id: 'wal_1', wallet_type_id: 'wt_1', manual: { variant: 'X' } } });
    expect(wallet.status).toBe(201);
    expect(wallet.body.wallet).toEqual({ wallet_id: 'wal_1', wallet_type_id: 'wt_1', event: null });

    const got = await call({ path: `/v1/workflow-triggers/${invoice.body.id}`, template: '/v{version}/workflow-triggers/{resourceId}' });
    expect(got.body).toEqual(invoice.body);
    // The workflow was started with the target's variables.
    const runs = (await sdk.orchestration.v1.listInstances({ workflowID: workflowId })).listRunsResponse!.data;
    expect(runs.length).toBeGreaterThanOrEqual(4);
  });

  it('lists (desc) and searches (asc) with pagination, filters and search fields', async () => {
    const ids: string[] = [];
    for (const n of [1, 2, 3]) ids.push((await create(manualInvoice(`inv_page_${n}`, 'cust_pages'), { headers: { 'x-platform-id': 'plat_pages' } })).body.id as string);
    const list = await call({ path: '/v1/workflow-triggers?limit=2', template: '/v{version}/workflow-triggers', headers: { 'x-platform-id': 'plat_pages' } });
    expect(list.status).toBe(200);
    expect((list.body.data as Json[]).map((t) => t.id)).toEqual([ids[2], ids[1]]);
    expect(list.body).toMatchObject({ limit: 2, page: 1, total_number_of_pages: 2 });
    expect(list.body.links).toEqual({
      first: '/v1/workflow-triggers?page=1&limit=2&order_by=created_at&order_direction=desc',
      previous: null,
      current: '/v1/workflow-triggers?page=1&limit=2&order_by=created_at&order_direction=desc',
      next: '/v1/workflow-triggers?page=2&limit=2&order_by=created_at&order_direction=desc',
    });
    const page2 = await call({ path: '/v1/workflow-triggers?limit=2&page=2', template: '/v{version}/workflow-triggers', headers: { 'x-platform-id': 'plat_pages' } });
    expect((page2.body.data as Json[]).map((t) => t.id)).toEqual([ids[0]]);
    expect((page2.body.links as Json).next).toBeNull();

    const search = (body: unknown, query = '') =>
      call({ method: 'POST', path: `/v1/workflow-triggers/search${query}`, template: '/v{version}/workflow-triggers/search', body, headers: { 'x-platform-id': 'plat_pages' } });
    expect(((await search({})).body.data as Json[]).map((t) => t.id)).toEqual(ids);
    const byInvoice = await search({ filter_fields: [{ name: 'invoice_id', values: ['inv_page_2', 'inv_page_3'] }] }, '?order_direction=desc');
    expect((byInvoice.body.data as Json[]).map((t) => t.id)).toEqual([ids[2], ids[1]]);
    const byText = await search({ search_fields: [{ value: 'PAGE_1', wildcard_start: true, wildcard_end: false, ignore_case: true }] });
    expect((byText.body.data as Json[]).map((t) => t.id)).toEqual([ids[0]]);
    const byType = await search({ filter_fields: [{ name: 'type', value: 'EVENT' }] });
    expect(byType.body.data).toEqual([]);
    // Platforms are isolated.
    const other = await call({ method: 'POST', path: '/v1/workflow-triggers/search', body: {}, template: '/v{version}/workflow-triggers/search', headers: { 'x-platform-id': 'plat_other' } });
    expect(other.body.data).toEqual([]);
  });

  it('replays a POST with the same Idempotency-Key and refuses the key with another body', async () => {
    const key = randomUUID();
    const first = await create(manualInvoice('inv_idem'), { headers: { 'Idempotency-Key': key } });
    const second = await create(manualInvoice('inv_idem'), { headers: { 'Idempotency-Key': key } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const conflict = await create(manualInvoice('inv_other'), { headers: { 'Idempotency-Key': key } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ type: 'INVALID_REQUEST', code: 'IDEMPOTENCY_CHECK_FAILED' });
    const tooLong = await create(manualInvoice('inv_other'), { headers: { 'Idempotency-Key': 'k'.repeat(256) } });
    expect(tooLong.body).toMatchObject({ code: 'INVALID_FIELD', field: 'Idempotency-Key' });
  });

  it('answers every error with the ApiError body and its code', async () => {
    const error = async (c: Call) => {
      const res = await call(c);
      return { status: res.status, ...res.body };
    };
    // Auth.
    expect(await error({ key: null })).toMatchObject({ status: 401, type: 'INVALID_REQUEST', code: 'UNAUTHORISED' });
    expect(await error({ key: 'sk_wrong_key_000000' })).toMatchObject({ status: 401, code: 'UNAUTHORISED' });
    expect(await error({ key: null, bearer: 'nope-nope-nope' })).toMatchObject({ status: 401, code: 'UNAUTHORISED' });
    expect(await error({ key: CREATOR })).toMatchObject({ status: 403, code: 'USER_NOT_ALLOWED' });
    expect(await error({ method: 'POST', key: VIEWER, body: manualInvoice('inv_x') })).toMatchObject({ status: 403, code: 'USER_NOT_ALLOWED' });
    expect(await error({ key: SCOPED, headers: { 'x-platform-id': 'plat_else' } })).toMatchObject({
      status: 404,
      code: 'PLATFORM_NOT_FOUND',
      resource_type: 'PLATFORM',
      resource_id: 'plat_else',
    });
    expect((await call({ key: SCOPED, template: '/v{version}/workflow-triggers' })).status).toBe(200);
    // Versions and routes.
    expect(await error({ path: '/v2/workflow-triggers' })).toMatchObject({ status: 400, code: 'UNSUPPORTED_VERSION' });
    expect(await error({ path: '/v/workflow-triggers' })).toMatchObject({ status: 400, code: 'MISSING_VERSION' });
    expect(await error({ path: '/v1/workflow-triggers/wftr_unknown' })).toMatchObject({
      status: 404,
      code: 'RESOURCE_NOT_FOUND',
      resource_type: 'WORKFLOW_TRIGGER',
      resource_id: 'wftr_unknown',
    });
    expect(await error({ method: 'DELETE', path: '/v1/workflow-triggers/wftr_x' })).toMatchObject({ status: 404, code: 'RESOURCE_NOT_FOUND' });
    // Media type and unparseable bodies.
    expect(await error({ method: 'POST', rawBody: JSON.stringify(manualInvoice('i')), contentType: 'text/plain' })).toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(await error({ method: 'POST', rawBody: JSON.stringify(manualInvoice('i')), contentType: null })).toMatchObject({ status: 415 });
    expect(await error({ method: 'POST', rawBody: '{"type": "MANUAL",' })).toMatchObject({ status: 400, code: 'UNABLE_TO_PROCESS_INSTRUCTIONS' });
    expect(await error({ method: 'POST', rawBody: '[1]' })).toMatchObject({ status: 400, code: 'UNABLE_TO_PROCESS_INSTRUCTIONS' });
    // Body validation: codes and dotted fields.
    const invalid = async (body: unknown) => error({ method: 'POST', body });
    const { type: _t, ...withoutType } = manualInvoice('i');
    expect(await invalid(withoutType)).toMatchObject({ status: 400, code: 'MISSING_FIELD', field: 'type' });
    expect(await invalid({ ...manualInvoice('i'), type: 'EVENT' })).toMatchObject({ code: 'INVALID_FIELD', field: 'type' });
    expect(await invalid({ ...manualInvoice('i'), type: 'manual' })).toMatchObject({ code: 'INVALID_FIELD', field: 'type' });
    expect(await invalid({ type: 'MANUAL', invoice: manualInvoice('i').invoice })).toMatchObject({ code: 'MISSING_FIELD', field: 'workflow_id' });
    expect(await invalid({ type: 'MANUAL', workflow_id: workflowId })).toMatchObject({ status: 400, code: 'INVALID_FIELD' });
    expect(
      await invalid({ ...manualInvoice('i'), payment: { payment_id: 'p', manual: { variant: 'FAILED_PAYMENT' } } }),
    ).toMatchObject({ code: 'INVALID_FIELD', field: 'payment' });
    expect(await invalid({ ...manualInvoice('i'), invoice: { manual: { variant: 'TO_FINAL' } } })).toMatchObject({
      code: 'MISSING_FIELD',
      field: 'invoice.invoice_id',
    });
    expect(await invalid({ ...manualInvoice('i'), invoice: { invoice_id: 'i', manual: { variant: 'overdue' } } })).toMatchObject({
      code: 'INVALID_FIELD',
      field: 'invoice.manual.variant',
    });
    expect(await invalid({ ...manualInvoice('i'), invoice: { invoice_id: 'i', manual: { variant: 'OVERDUE' } } })).toMatchObject({
      code: 'MISSING_FIELD',
      field: 'invoice.manual.overdue',
    });
    expect(
      await invalid({ ...manualInvoice('i'), invoice: { invoice_id: 'i', manual: { variant: 'OVERDUE', overdue: { period: { type: 'FORTNIGHT', value: 1 } } } } }),
    ).toMatchObject({ code: 'INVALID_FIELD', field: 'invoice.manual.overdue.period.type' });
    expect(
      await invalid({ ...manualInvoice('i'), invoice: { invoice_id: 'i', manual: { variant: 'OVERDUE', overdue: { period: { type: 'DAY', value: 1.5 } } } } }),
    ).toMatchObject({ code: 'INVALID_FIELD', field: 'invoice.manual.overdue.period.value' });
    expect(await invalid({ ...manualInvoice('i'), invoice: { invoice_id: 'i' } })).toMatchObject({ code: 'MISSING_FIELD', field: 'invoice.manual' });
    expect(
      await invalid({ ...manualInvoice('i'), invoice: { invoice_id: 'i', event: { variant: 'OVERDUE' }, manual: { variant: 'TO_FINAL' } } }),
    ).toMatchObject({ code: 'INVALID_FIELD', field: 'invoice.event' });
    const subscription = (trialEnd: string) => ({
      type: 'MANUAL',
      workflow_id: workflowId,
      pricing_plan_subscription: { pricing_plan_subscription_id: 'pps', trial_end_at: trialEnd, manual: { variant: 'FREE_TRIAL_REMINDER' } },
    });
    expect(await invalid(subscription('2026-05-01T10:00:00.157Z'))).toMatchObject({ code: 'INVALID_FIELD', field: 'pricing_plan_subscription.trial_end_at' });
    expect(await invalid(subscription('2026-05-01T10:00Z'))).toMatchObject({ code: 'INVALID_FIELD', field: 'pricing_plan_subscription.trial_end_at' });
    expect(await invalid(subscription('2026-05-01'))).toMatchObject({ code: 'INVALID_FIELD' });
    expect(await invalid({ type: 'MANUAL', workflow_id: workflowId, wallet: { wallet_id: 'w' } })).toMatchObject({ code: 'MISSING_FIELD', field: 'wallet.wallet_type_id' });
    expect(await invalid({ ...manualInvoice('i'), customer_id: 42 })).toMatchObject({ code: 'INVALID_FIELD', field: 'customer_id' });
    // References.
    expect(await invalid({ ...manualInvoice('i'), workflow_id: 'wf_unknown' })).toMatchObject({
      status: 404,
      type: 'INVALID_REQUEST',
      code: 'RESOURCE_NOT_FOUND',
      resource_type: 'WORKFLOW',
      resource_id: 'wf_unknown',
    });
    // Query parameters and search bodies.
    expect(await error({ path: '/v1/workflow-triggers?page=0' })).toMatchObject({ status: 400, code: 'INVALID_FIELD', field: 'page' });
    expect(await error({ path: '/v1/workflow-triggers?limit=abc' })).toMatchObject({ code: 'INVALID_FIELD', field: 'limit' });
    expect(await error({ path: '/v1/workflow-triggers?limit=100000' })).toMatchObject({ code: 'INVALID_FIELD', field: 'limit' });
    expect(await error({ path: '/v1/workflow-triggers?order_direction=up' })).toMatchObject({ code: 'INVALID_FIELD', field: 'order_direction' });
    expect(await error({ path: '/v1/workflow-triggers?order_by=secret' })).toMatchObject({ code: 'INVALID_FIELD', field: 'order_by' });
    const search = (body: unknown) => error({ method: 'POST', path: '/v1/workflow-triggers/search', body });
    expect(await search({ filter_fields: [{ name: 'password', value: 'x' }] })).toMatchObject({ code: 'INVALID_FIELD', field: 'filter_fields.0.name' });
    expect(await search({ filter_fields: [{ name: 'type', values: 'MANUAL' }] })).toMatchObject({ code: 'INVALID_FIELD', field: 'filter_fields.0.values' });
    expect(await search({ search_fields: [{ name: 'id' }] })).toMatchObject({ code: 'MISSING_FIELD', field: 'search_fields.0.value' });
    expect(await search({ selection_rule_fields: [{ name: 'x' }] })).toMatchObject({ code: 'INVALID_FIELD' });
  });

  it('lists EVENT records created when a billing event fires a trigger, beside manual ones', async () => {
    const bus = await Bus.connect(platform.namespace);
    try {
      await sdk.orchestration.v1.createTrigger({ event: 'payment.failed', workflowID: workflowId, vars: { payment: 'event.payment_id' } });
      await bus.publish(bus.envelope('billing', 'v1', 'payment.failed', { payment_id: 'pay_evt', customer_id: 'cust_evt', platform_id: 'plat_evt' }));
      const found = await eventually(async () => {
        const res = await call({ path: '/v1/workflow-triggers', template: '/v{version}/workflow-triggers', headers: { 'x-platform-id': 'plat_evt' } });
        return (res.body.data as Json[]).length ? (res.body.data as Json[]) : undefined;
      }, { what: 'the EVENT record' });
      expect(found).toEqual([
        {
          object_type: 'WORKFLOW_TRIGGER',
          id: expect.stringMatching(/^wftr_/),
          customer_id: 'cust_evt',
          workflow_id: workflowId,
          type: 'EVENT',
          payment: { payment_id: 'pay_evt', event: { variant: 'FAILED_PAYMENT' } },
        },
      ]);
      const manual = await create({ type: 'MANUAL', workflow_id: workflowId, payment: { payment_id: 'pay_evt', manual: { variant: 'FAILED_PAYMENT' } } }, {
        headers: { 'x-platform-id': 'plat_evt' },
      });
      const both = await call({
        method: 'POST',
        path: '/v1/workflow-triggers/search',
        template: '/v{version}/workflow-triggers/search',
        body: { filter_fields: [{ name: 'payment_id', value: 'pay_evt' }] },
        headers: { 'x-platform-id': 'plat_evt' },
      });
      expect((both.body.data as Json[]).map((t) => [t.type, t.id])).toEqual([
        ['EVENT', found[0].id],
        ['MANUAL', manual.body.id],
      ]);
    } finally {
      await bus.close();
    }
  });

  // Declared last: every response validated above, against the vendor's file (skipped without SPECS_DIR).
  itConformsToVendorSpec('solvimon-workflow-triggers.yaml', () => validator.seen);
});
