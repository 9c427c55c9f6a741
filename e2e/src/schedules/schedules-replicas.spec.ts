import { ClusterUnderTest, eventually, testNatsUrl } from '@wfp/testing';

const TICKS = 1000;

/**
 * Exactly once across two triggers replicas sharing one database, one of them SIGKILLed (and
 * restarted) while the ticks are being acted on: a backfill of 1,000 ticks (interval 1s, a past
 * range, `allow_all`) of a paused workflow schedule ends with 1,000 actions, one per scheduled
 * time, each with its own instance, and the orchestrator holds exactly those 1,000 instances of
 * the workflow (a start left pending by the killed replica was made again with the same
 * idempotency key). Read through the public API only (describe, instances of the workflow).
 */
describe('schedules: two triggers replicas, one killed at ticks', () => {
  let cluster: ClusterUnderTest;
  let gateway: string;

  beforeAll(async () => {
    cluster = await ClusterUnderTest.start({
      label: 'sched_replicas',
      natsUrl: testNatsUrl(),
      replicas: { orchestrator: 1, triggers: 2, interventions: 0, gateway: 1 },
      env: {
        ORCHESTRATOR_POLL_INTERVAL_MS: '50',
        SCHEDULES_POLL_INTERVAL_MS: '100',
        SCHEDULES_RETRY_AFTER_MS: '0',
        // The lease of a killed replica's schedule lapses after this + 1 s.
        TRIGGERS_ORCHESTRATOR_TIMEOUT_MS: '3000',
      },
    });
    gateway = cluster.gatewayUrls[0];
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  async function api(method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${gateway}/api/orchestration${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }

  type Action = { scheduledTime: string; status: string; instanceID?: string; source: string };

  it(`${TICKS} ticks, each started exactly once`, async () => {
    const workflowID = (await api('POST', '/v2/workflows', { name: 'ticked', stages: [{ noop: {} }] })).data.id as string;
    const schedule = (await api('POST', '/v2/schedules', { name: 'thousand', spec: { interval: '1s' }, action: { workflowID }, overlap: 'allow_all', paused: true })).data;
    const from = Date.parse('2026-01-01T00:00:00Z');
    await cluster.stopReplica('triggers', 1, 'SIGTERM');
    const backfill = await api('POST', `/v2/schedules/${schedule.id}/backfill`, {
      from: new Date(from).toISOString(),
      to: new Date(from + TICKS * 1000).toISOString(),
      overlap: 'allow_all',
    });
    expect(backfill.data).toEqual({ ticks: TICKS, added: TICKS });

    const actions = async (): Promise<Action[]> => (await api('GET', `/v2/schedules/${schedule.id}/describe?recent=${TICKS}`)).data.recentActions;

    // Replica 0 alone takes the ticks (a pass plans all the starts, makes them with no
    // transaction open, then records them); replica 1 comes up meanwhile; replica 0 is killed
    // halfway through its starts and restarted. Replica 1 takes the schedule once the lease
    // lapses and makes the pending starts again, with the same idempotency keys.
    const instanceCount = async () => ((await api('GET', `/instances?workflowID=${workflowID}`)).data as unknown[]).length;
    await eventually(async () => (await instanceCount()) >= 1, { timeoutMs: 30_000, intervalMs: 100, what: 'the first start' });
    await cluster.startReplica('triggers', 1);
    await eventually(async () => (await instanceCount()) >= 200, { timeoutMs: 30_000, intervalMs: 100, what: '200 starts' });
    await cluster.stopReplica('triggers', 0, 'SIGKILL');
    const atKill = await instanceCount();
    expect(atKill).toBeLessThan(TICKS); // killed while its starts were being made
    await cluster.startReplica('triggers', 0);

    const all = await eventually(
      async () => {
        const list = await actions();
        return list.length === TICKS && list.every((a) => a.instanceID && a.status !== 'running') ? list : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500, what: `${TICKS} ticks with their instances` },
    );

    // Every scheduled time once, none missing.
    const times = all.map((a) => Date.parse(a.scheduledTime)).sort((a, b) => a - b);
    expect(new Set(times).size).toBe(TICKS);
    expect(times[0]).toBe(from);
    expect(times[TICKS - 1]).toBe(from + (TICKS - 1) * 1000);
    expect(all.every((a) => a.source === 'backfill' && a.status === 'completed')).toBe(true);
    // Each its own instance, and the orchestrator holds exactly those.
    const instanceIds = new Set(all.map((a) => a.instanceID));
    expect(instanceIds.size).toBe(TICKS);
    const instances = (await api('GET', `/instances?workflowID=${workflowID}`)).data as Array<{ id: string }>;
    expect(instances).toHaveLength(TICKS);
    expect(instances.map((i) => i.id).sort()).toEqual([...instanceIds].sort());
  }, 150_000);
});
