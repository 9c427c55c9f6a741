import { eventually, PlatformUnderTest } from '@wfp/testing';

/**
 * A `schedule.tick` through a Formance trigger with a CEL filter on the tick and a throttle:
 * every tick of the filtered schedule is an occurrence (the first `started`, the others
 * `queued` with reason `throttle`), and the ticks of another schedule match nothing. Ticks are
 * produced deterministically by a backfill of paused publish schedules.
 */
describe('schedule.tick through a trigger with a filter and a throttle', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'sched_tick',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50', SCHEDULES_POLL_INTERVAL_MS: '100' },
    });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  async function api(method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${platform.url}/api/orchestration${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }

  type Occurrence = { outcome?: string; reason?: string; workflowInstanceID?: string; event: { id: string; type: string; app: string; payload: Record<string, unknown> } };

  it('each tick of the filtered schedule is an occurrence (started, then queued(throttle)); the other schedule matches nothing', async () => {
    const workflowID = (await api('POST', '/v2/workflows', { name: 'on-tick', stages: [{ noop: {} }] })).data.id as string;
    const publish = { publish: { payload: { report: 'sales' } } };
    const ticked = (await api('POST', '/v2/schedules', { name: 'ticked', spec: { interval: '1h' }, action: publish, paused: true })).data;
    const other = (await api('POST', '/v2/schedules', { name: 'other', spec: { interval: '1h' }, action: publish, paused: true })).data;

    const trigger = await api('POST', '/triggers', {
      name: 'on-tick',
      event: 'schedule.tick',
      workflowID,
      filter: `event.scheduleId == "${ticked.id}"`,
      vars: { at: 'event.scheduledTime' },
      policy: { throttle: { limit: 1, period: '1h' } },
    });
    expect(trigger.data.policy).toMatchObject({ throttle: { limit: 1, period: '1h' } });
    const triggerId = trigger.data.id as string;
    // Unfiltered: shows the other schedule's ticks did reach the matcher.
    const every = (await api('POST', '/triggers', { name: 'every-tick', event: 'schedule.tick', workflowID })).data.id as string;

    // Four ticks of the filtered schedule, three of the other one.
    const range = (hours: number) => ({ from: '2026-01-01T00:00:00Z', to: `2026-01-01T0${hours}:00:00Z` });
    expect((await api('POST', `/v2/schedules/${ticked.id}/backfill`, range(4))).data).toEqual({ ticks: 4, added: 4 });
    expect((await api('POST', `/v2/schedules/${other.id}/backfill`, range(3))).data).toEqual({ ticks: 3, added: 3 });

    // Every tick published (describe), each with its event id.
    const published = async (id: string, n: number) =>
      eventually(
        async () => {
          const actions = (await api('GET', `/v2/schedules/${id}/describe?recent=100`)).data.recentActions as Array<{ status: string; eventID?: string; scheduledTime: string }>;
          return actions.length === n && actions.every((a) => a.status === 'published' && a.eventID) ? actions : undefined;
        },
        { timeoutMs: 20_000, what: `${n} published ticks` },
      );
    const tickedActions = await published(ticked.id, 4);
    const otherActions = await published(other.id, 3);

    const occurrences = await eventually(
      async () => {
        const list = (await api('GET', `/triggers/${triggerId}/occurrences`)).data as Occurrence[];
        return list.length === 4 && list.filter((o) => o.outcome === 'started').length === 1 ? list : undefined;
      },
      { timeoutMs: 20_000, what: 'four occurrences, one started' },
    );
    // One occurrence per tick of the filtered schedule, with the tick's event.
    expect(occurrences.map((o) => o.event.id).sort()).toEqual(tickedActions.map((a) => a.eventID).sort());
    for (const o of occurrences) {
      expect(o.event).toMatchObject({ app: 'schedules', type: 'schedule.tick', payload: { scheduleId: ticked.id, source: 'backfill', report: 'sales' } });
    }
    expect(occurrences.map((o) => `${o.outcome}${o.reason ? `(${o.reason})` : ''}`).sort()).toEqual([
      'queued(throttle)',
      'queued(throttle)',
      'queued(throttle)',
      'started',
    ]);
    const started = occurrences.find((o) => o.outcome === 'started')!;
    expect(started.workflowInstanceID).toEqual(expect.any(String));

    // The unfiltered trigger matched all seven ticks; the filtered one none of the other schedule's.
    const all = await eventually(
      async () => {
        const list = (await api('GET', `/triggers/${every}/occurrences`)).data as Occurrence[];
        return list.length === 7 ? list : undefined;
      },
      { timeoutMs: 20_000, what: 'seven occurrences of the unfiltered trigger' },
    );
    const otherEventIds = new Set(otherActions.map((a) => a.eventID));
    expect(all.filter((o) => otherEventIds.has(o.event.id))).toHaveLength(3);
    expect(occurrences.some((o) => otherEventIds.has(o.event.id))).toBe(false);
    const after = (await api('GET', `/triggers/${triggerId}/occurrences`)).data as Occurrence[];
    expect(after).toHaveLength(4);
  }, 90_000);
});
