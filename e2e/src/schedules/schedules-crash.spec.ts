import { eventually, PlatformUnderTest } from '@wfp/testing';

/**
 * Exactly once across a crash: a schedule ticking every second, the triggers service killed
 * (SIGKILL) and restarted while it ticks. Every scheduled time from the first to the last tick
 * has one action (the ticks of the downtime caught up, inside the window), every action one
 * instance, and the orchestrator holds no other instance of the workflow (a start left pending
 * by the killed pass was made again by the next, through the idempotency key).
 */
describe('schedules across a crash of the triggers service', () => {
  let platform: PlatformUnderTest;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'sched_crash',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: { ORCHESTRATOR_POLL_INTERVAL_MS: '50', SCHEDULES_POLL_INTERVAL_MS: '50' },
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

  type Action = { scheduledTime: string; status: string; instanceID?: string };

  it('runs every tick once, the downtime caught up', async () => {
    const workflowID = (await api('POST', '/v2/workflows', { name: 'crash', stages: [{ noop: {} }] })).data.id as string;
    const schedule = (await api('POST', '/v2/schedules', { name: 'every-second', spec: { interval: '1s' }, action: { workflowID }, overlap: 'allow_all', catchup_window: '1m' })).data;
    const actions = async (): Promise<Action[]> => (await api('GET', `/v2/schedules/${schedule.id}/describe?recent=1000`)).data.recentActions;
    await eventually(async () => (await actions()).length >= 3, { timeoutMs: 20_000, what: 'three ticks' });
    await platform.stopService('triggers', 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 3000)); // downtime of about three ticks
    await platform.startService('triggers');
    const before = (await actions()).length;
    await eventually(async () => (await actions()).length >= before + 6, { timeoutMs: 20_000, what: 'ticks after the restart' });
    await api('POST', `/v2/schedules/${schedule.id}/pause`, {});
    // A pass in flight at the pause finishes its calls and records their instances.
    const settled = await eventually(async () => {
      const current = await actions();
      return current.every((a) => a.instanceID) ? current : undefined;
    }, { timeoutMs: 20_000, what: 'every action with its instance' });

    const all = settled.sort((a, b) => a.scheduledTime.localeCompare(b.scheduledTime));
    const times = all.map((a) => Date.parse(a.scheduledTime));
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(1000); // no gap, no repeat
    expect(all.every((a) => a.instanceID)).toBe(true);
    const instanceIds = new Set(all.map((a) => a.instanceID));
    expect(instanceIds.size).toBe(all.length);
    const instances = (await api('GET', `/instances?workflowID=${workflowID}`)).data as Array<{ id: string }>;
    expect(instances.map((i) => i.id).sort()).toEqual([...instanceIds].sort());
  }, 90_000);
});
