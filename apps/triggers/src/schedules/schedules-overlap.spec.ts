import type { OverlapPolicy } from '@wfp/contracts';
import { eventually, unwrap } from '@wfp/testing';
import { startSchedulesUnderTest, SchedulesUnderTest } from '../../test/schedules/schedules-under-test';

const MINUTE = 60_000;

/**
 * The six overlap policies through the service (real Postgres + NATS, simulated orchestrator,
 * FakeClock): an interval of 1 min, instances lasting 150 s, 10 minutes (ticks at 0..9 min).
 * Each 30 s step ends the instances whose time is up (their end events travel over JetStream to
 * the schedules' consumer), then runs due passes.
 */
describe('schedule overlap policies over 10 minutes', () => {
  let under: SchedulesUnderTest;

  beforeAll(async () => {
    under = await startSchedulesUnderTest('sched_overlap');
  });

  afterAll(async () => {
    await under?.stop();
  });

  /** Waits until every instance end the orchestrator announced is recorded by the schedules' consumer. */
  async function endsRecorded(): Promise<void> {
    await eventually(
      async () => {
        const open: Array<{ instance_id: string }> = await under.db.query(`SELECT instance_id FROM schedules.actions WHERE status IN ('running', 'canceling')`);
        const ended = new Set(under.orchestrator.instances.filter((i) => i.ended).map((i) => i.id));
        return open.every((row) => !ended.has(row.instance_id));
      },
      { what: 'instance ends recorded' },
    );
    await under.endsApplied();
  }

  async function step(): Promise<void> {
    await under.orchestrator.finishDue();
    await endsRecorded();
    await under.loop.runDue();
    // An abort (cancel_other) ends an instance during the pass: the waiting tick starts once that end is seen.
    await endsRecorded();
    await under.loop.runDue();
  }

  it.each<[OverlapPolicy, number[], number]>([
    ['skip', [0, 3, 6, 9], 0],
    ['buffer_one', [0, 2.5, 5, 7.5], 0],
    ['buffer_all', [0, 2.5, 5, 7.5], 0],
    ['cancel_other', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 9],
    ['terminate_other', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 9],
    ['allow_all', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 0],
  ])('%s starts at %j minutes', async (overlap, expectedStarts, expectedAborts) => {
    const t0 = Math.ceil((under.clock.now().getTime() + 1) / 3_600_000) * 3_600_000;
    under.clock.set(new Date(t0));
    const workflowID = under.orchestrator.addWorkflow(150_000);
    const schedule = unwrap(await under.schedules.create({ name: `overlap-${overlap}`, spec: { interval: '1m' }, action: { workflowID, vars: { kind: overlap } }, overlap }));
    for (let t = 0; t < 10 * MINUTE; t += 30_000) {
      under.clock.set(new Date(t0 + t));
      await step();
    }
    const instances = under.orchestrator.startsOf(workflowID);
    expect(instances.map((i) => (i.startedAt - t0) / MINUTE)).toEqual(expectedStarts);
    // Each instance knows its tick: its scheduled time is a whole minute at or before its start.
    for (const instance of instances) {
      expect(instance.variables).toMatchObject({ kind: overlap, scheduleId: schedule.id, actualTime: new Date(instance.startedAt).toISOString() });
      const scheduled = Date.parse(instance.variables.scheduledTime);
      expect((scheduled - t0) % MINUTE).toBe(0);
      expect(scheduled).toBeLessThanOrEqual(instance.startedAt);
      expect(instance.idempotencyKey).toBe(`schedule:${schedule.id}:${instance.variables.scheduledTime}`);
    }
    const aborted = instances.filter((i) => i.ended === 'canceled');
    expect(aborted).toHaveLength(expectedAborts);
    if (overlap === 'cancel_other' || overlap === 'terminate_other') {
      // Every start after the first aborted the one before it.
      expect(aborted.map((i) => i.id)).toEqual(instances.slice(0, -1).map((i) => i.id));
    }
    const description = unwrap(await under.schedules.describe(schedule.id, 3, 100));
    const started = description.recentActions.filter((a) => a.instanceID);
    expect(started).toHaveLength(expectedStarts.length);
    if (overlap === 'buffer_all') expect(description.bufferedActions).toBe(6); // ticks 4..9 still wait
    if (overlap === 'skip') expect(description.recentActions.filter((a) => a.status === 'skipped')).toHaveLength(6);
    unwrap(await under.schedules.delete(schedule.id));
    const [{ waiting }] = await under.db.query(`SELECT count(*)::int AS waiting FROM schedules.actions WHERE schedule_id = $1 AND status = 'buffered'`, [schedule.id]);
    expect(waiting).toBe(0); // deleting skips what still waited
  });
});
