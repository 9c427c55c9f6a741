import { eventually, OpenApiResponseValidator, PlatformUnderTest } from '@wfp/testing';
import { CLIENT_ID, CLIENT_SECRET, token } from '../triggers/helpers';

/**
 * The schedules API (`/api/orchestration/v2/schedules`) end to end: the gateway (Formance auth,
 * envelope, errors, cursor paging), the triggers service's schedules and the real orchestrator
 * (instances started per tick; their end events settle the ticks). Every body is checked
 * against our formance-v2 OpenAPI document.
 */
describe('schedules API (gateway → triggers → orchestrator)', () => {
  let platform: PlatformUnderTest;
  let validator: OpenApiResponseValidator;
  let bearer: string;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'sched_api',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: { FORMANCE_AUTH_CLIENTS: `${CLIENT_ID}:${CLIENT_SECRET}`, ORCHESTRATOR_POLL_INTERVAL_MS: '50', SCHEDULES_POLL_INTERVAL_MS: '100' },
    });
    validator = await OpenApiResponseValidator.load('formance-v2');
    bearer = await token(platform);
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function call(method: string, path: string, template: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${platform.url}/api/orchestration${path}`, {
      method,
      headers: { Authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const parsed = text ? JSON.parse(text) : undefined;
    if (res.status !== 204) validator.assertValid(method, template, res.status, parsed);
    return { status: res.status, body: parsed };
  }

  it('needs a token', async () => {
    const res = await fetch(`${platform.url}/api/orchestration/v2/schedules`);
    expect(res.status).toBe(401);
  });

  it('answers a clear 400 naming the field, in the Formance error shape', async () => {
    const bad = await call('POST', '/v2/schedules', '/v2/schedules', { name: 'x', spec: { cron: '61 * * * *' }, action: { workflowID: 'w' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ errorCode: 'VALIDATION', errorMessage: expect.stringMatching(/^spec\.cron: invalid cron pattern '61 \* \* \* \*'/) });
    const overlap = await call('POST', '/v2/schedules', '/v2/schedules', { name: 'x', spec: { interval: '1m' }, action: { workflowID: 'w' }, overlap: 'never' });
    expect(overlap.body.errorMessage).toMatch(/^overlap: /);
    const notJson = await call('POST', '/v2/schedules', '/v2/schedules', '[1]');
    expect(notJson.status).toBe(400);
    const missing = await call('GET', '/v2/schedules/00000000-0000-4000-8000-000000000000', '/v2/schedules/{scheduleID}');
    expect(missing).toEqual({ status: 404, body: { errorCode: 'NOT_FOUND', errorMessage: 'schedule not found' } });
    const describeQuery = await call('GET', '/v2/schedules/00000000-0000-4000-8000-000000000000/describe?next=1000', '/v2/schedules/{scheduleID}/describe');
    expect(describeQuery.body.errorMessage).toBe("invalid 'next' query param: an integer from 0 to 100");
  });

  it('creates a schedule whose ticks start instances, and serves list, describe, pause, trigger, unpause, backfill, update and delete', async () => {
    const workflow = await call('POST', '/v2/workflows', '/v2/workflows', { name: 'scheduled', stages: [{ noop: {} }] });
    expect(workflow.status).toBe(201);
    const workflowID = workflow.body.data.id as string;

    const created = await call('POST', '/v2/schedules', '/v2/schedules', {
      name: 'every-second',
      spec: { interval: '1s' },
      action: { workflowID, vars: { greeting: 'hello' } },
      overlap: 'skip',
      catchup_window: '1m',
    });
    expect(created.status).toBe(201);
    const schedule = created.body.data;
    expect(schedule).toMatchObject({ name: 'every-second', overlap: 'skip', paused: false, remaining_actions: null, pause_on_failure: false });

    // Ticks start instances, which end; describe shows scheduled vs actual time and the outcome.
    const described = await eventually(
      async () => {
        const d = await call('GET', `/v2/schedules/${schedule.id}/describe?next=3&recent=50`, '/v2/schedules/{scheduleID}/describe');
        const done = d.body.data.recentActions.filter((a: { status: string }) => a.status === 'completed');
        return done.length >= 2 ? d.body.data : undefined;
      },
      { timeoutMs: 20_000, what: 'two completed ticks' },
    );
    expect(described.nextActionTimes).toHaveLength(3);
    const completed = described.recentActions.find((a: { status: string }) => a.status === 'completed');
    expect(completed).toMatchObject({ source: 'schedule', overlap: 'skip', outcome: 'succeeded', instanceID: expect.any(String) });
    expect(Date.parse(completed.actualTime)).toBeGreaterThanOrEqual(Date.parse(completed.scheduledTime));
    const instance = await call('GET', `/v2/instances/${completed.instanceID}`, '/v2/instances/{instanceID}');
    expect(instance.body.data.workflowID).toBe(workflowID);

    // Paging: a second schedule, pages of one.
    const other = (await call('POST', '/v2/schedules', '/v2/schedules', { name: 'every-second-paused', spec: { cron: '0 3 * * *', timezone: 'Europe/Paris' }, action: { workflowID }, paused: true })).body.data;
    const first = await call('GET', '/v2/schedules?pageSize=1&name=every-second', '/v2/schedules');
    expect(first.body.cursor).toMatchObject({ pageSize: 1, hasMore: true, data: [{ id: schedule.id }] });
    const second = await call('GET', `/v2/schedules?cursor=${first.body.cursor.next}`, '/v2/schedules');
    expect(second.body.cursor.data.map((s: { id: string }) => s.id)).toEqual([other.id]);

    // Pause with a note: no more ticks; trigger-now still runs; unpause resumes.
    const paused = await call('POST', `/v2/schedules/${schedule.id}/pause`, '/v2/schedules/{scheduleID}/pause', { note: 'maintenance' });
    expect(paused.body.data).toMatchObject({ paused: true, note: 'maintenance' });
    const triggered = await call('POST', `/v2/schedules/${schedule.id}/trigger`, '/v2/schedules/{scheduleID}/trigger', { overlap: 'allow_all' });
    expect(triggered.status).toBe(200);
    expect(triggered.body.data.action).toMatchObject({ source: 'trigger_now', overlap: 'allow_all', instanceID: expect.any(String) });
    expect(['running', 'completed']).toContain(triggered.body.data.action.status); // a noop workflow may end within its start
    const unpaused = await call('POST', `/v2/schedules/${schedule.id}/unpause`, '/v2/schedules/{scheduleID}/unpause');
    expect(unpaused.body.data.paused).toBe(false);

    // Backfill three hours of the Paris schedule; again: nothing added.
    const range = { from: '2026-01-01T00:00:00Z', to: '2026-01-04T00:00:00Z' };
    const backfill = await call('POST', `/v2/schedules/${other.id}/backfill`, '/v2/schedules/{scheduleID}/backfill', range);
    expect(backfill.body).toEqual({ data: { ticks: 3, added: 3 } });
    expect((await call('POST', `/v2/schedules/${other.id}/backfill`, '/v2/schedules/{scheduleID}/backfill', range)).body).toEqual({ data: { ticks: 3, added: 0 } });
    await eventually(
      async () => {
        const d = await call('GET', `/v2/schedules/${other.id}/describe`, '/v2/schedules/{scheduleID}/describe');
        return d.body.data.recentActions.filter((a: { status: string; source: string }) => a.source === 'backfill' && a.status === 'completed').length === 3;
      },
      { timeoutMs: 20_000, what: 'backfilled ticks completed' },
    );

    // Update replaces the definition; delete; then 404.
    const updated = await call('PUT', `/v2/schedules/${schedule.id}`, '/v2/schedules/{scheduleID}', { name: 'hourly', spec: { cron: '0 * * * *' }, action: { workflowID } });
    expect(updated.body.data).toMatchObject({ id: schedule.id, name: 'hourly', spec: { cron: '0 * * * *' }, overlap: 'skip' });
    for (const id of [schedule.id, other.id]) {
      expect((await call('DELETE', `/v2/schedules/${id}`, '/v2/schedules/{scheduleID}')).status).toBe(204);
      expect((await call('GET', `/v2/schedules/${id}`, '/v2/schedules/{scheduleID}')).status).toBe(404);
    }
  });
});
