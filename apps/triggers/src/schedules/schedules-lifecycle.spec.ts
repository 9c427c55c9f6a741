import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { eventually, unwrap } from '@wfp/testing';
import { startSchedulesUnderTest, SchedulesUnderTest } from '../../test/schedules/schedules-under-test';
import { TriggersService } from '../formance/triggers.service';
import { tickUuid } from './core/tick-identity';
import { jitterDelayMs } from './core/jitter';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Schedules through the service on real Postgres + NATS (simulated orchestrator, FakeClock):
 * catch-up after downtime, backfill, pause_on_failure / trigger-now / unpause, DST, two
 * replicas, ticks published to the bus and matched by a trigger, and validation.
 */
describe('schedules (catch-up, backfill, pause, DST, replicas, publish)', () => {
  let under: SchedulesUnderTest;
  let db: DataSource;

  beforeAll(async () => {
    under = await startSchedulesUnderTest('sched_life', undefined, { TRIGGERS_ORCHESTRATOR_TIMEOUT_MS: '300' });
    db = under.db;
  });

  afterAll(async () => {
    await under?.stop();
  });

  /** Moves the clock to the next whole hour (each test on a fresh grid). */
  function freshHour(): number {
    const t0 = Math.ceil((under.clock.now().getTime() + 1) / HOUR) * HOUR;
    under.clock.set(new Date(t0));
    return t0;
  }

  async function settle(): Promise<void> {
    await under.orchestrator.finishDue();
    await under.endsApplied();
    await under.loop.runDue();
    await under.endsApplied();
    await under.loop.runDue();
  }

  async function missedMetric(): Promise<number> {
    const metric = await register.getSingleMetric('wfp_schedule_missed_catchup_window_total')?.get();
    return metric?.values[0]?.value ?? 0;
  }

  it('after 10 minutes of downtime with a 5-minute catch-up window, BUFFER_ALL runs only the last 5 minutes of ticks; 5 are counted missed', async () => {
    const t0 = freshHour();
    const workflowID = under.orchestrator.addWorkflow(4000);
    const schedule = unwrap(
      await under.schedules.create({ name: 'catch-up', spec: { interval: '1m' }, action: { workflowID }, overlap: 'buffer_all', catchup_window: '5m' }),
    );
    await settle(); // tick 0 runs
    const before = await missedMetric();
    // Down from just after tick 0 until 10 min 30 s: ticks 1..10 are due when it is back.
    under.clock.set(new Date(t0 + 10 * MINUTE + 30_000));
    await settle();
    for (let i = 0; i < 6; i++) {
      under.clock.advance(4000);
      await settle();
    }
    const started = under.orchestrator.startsOf(workflowID).map((i) => (Date.parse(i.variables.scheduledTime) - t0) / MINUTE);
    expect(started).toEqual([0, 6, 7, 8, 9, 10]); // in order, one after the other (buffer_all)
    expect((await missedMetric()) - before).toBe(5);
    const description = unwrap(await under.schedules.describe(schedule.id, 3, 100));
    expect(description.missedCatchupWindow).toBe(5);
    const missed = description.recentActions.filter((a) => a.status === 'missed');
    expect(missed.map((a) => (Date.parse(a.scheduledTime) - t0) / MINUTE).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    expect(missed[0].reason).toMatch(/catch-up window \(5m\)/);
    expect(description.nextActionTimes).toHaveLength(3);
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('backfill of 24 hours hourly with BUFFER_ALL: 24 instances, in order, each with its scheduledTime; the same backfill again adds none', async () => {
    const t0 = freshHour();
    const workflowID = under.orchestrator.addWorkflow(1000);
    const schedule = unwrap(await under.schedules.create({ name: 'hourly', spec: { cron: '0 * * * *' }, action: { workflowID }, paused: true }));
    const from = new Date(t0 - 48 * HOUR).toISOString();
    const to = new Date(t0 - 24 * HOUR).toISOString();
    expect(unwrap(await under.schedules.backfill(schedule.id, { from, to }))).toEqual({ ticks: 24, added: 24 });
    for (let i = 0; i < 30 && under.orchestrator.startsOf(workflowID).length < 24; i++) {
      under.clock.advance(1000);
      await settle();
    }
    await settle();
    const instances = under.orchestrator.startsOf(workflowID);
    expect(instances.map((i) => i.variables.scheduledTime)).toEqual(Array.from({ length: 24 }, (_, h) => new Date(t0 - 48 * HOUR + h * HOUR).toISOString()));
    // Sequential: each started after the previous one ended.
    for (let i = 1; i < instances.length; i++) expect(instances[i].startedAt).toBeGreaterThanOrEqual(instances[i - 1].endsAt);
    expect(unwrap(await under.schedules.backfill(schedule.id, { from, to }))).toEqual({ ticks: 24, added: 0 });
    await settle();
    expect(under.orchestrator.startsOf(workflowID)).toHaveLength(24);
    expect(await under.schedules.backfill(schedule.id, { from: to, to: from })).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: 'to: must be after from' } });
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('pause_on_failure pauses with a note; trigger-now runs while paused; unpause resumes at the next tick', async () => {
    const t0 = freshHour();
    const failing = under.orchestrator.addWorkflow(30_000, true);
    const schedule = unwrap(
      await under.schedules.create({ name: 'fragile', spec: { interval: '1m' }, action: { workflowID: failing }, overlap: 'allow_all', pause_on_failure: true }),
    );
    await settle(); // tick 0 starts
    under.clock.set(new Date(t0 + 30_000));
    await settle(); // it fails: the end event pauses the schedule
    const paused = unwrap(await under.schedules.get(schedule.id));
    expect(paused.paused).toBe(true);
    expect(paused.note).toMatch(/^paused on failure: instance .* failed: stage failed$/);
    // Paused: ticks 1 and 2 do not run.
    under.clock.set(new Date(t0 + 2 * MINUTE + 30_000));
    await settle();
    expect(under.orchestrator.startsOf(failing)).toHaveLength(1);
    expect(unwrap(await under.schedules.describe(schedule.id)).nextActionTimes).toEqual([]);
    // Trigger-now works while paused, with its own scheduled time (now).
    under.clock.set(new Date(t0 + 2 * MINUTE + 45_000));
    const now = under.clock.now().toISOString();
    const { action } = unwrap(await under.schedules.trigger(schedule.id, { overlap: 'allow_all' }));
    expect(action).toMatchObject({ source: 'trigger_now', scheduledTime: now, actualTime: now, status: 'running' });
    expect(under.orchestrator.startsOf(failing)).toHaveLength(2);
    // Unpause at 2:50: the next tick is 3:00 (the ticks of the pause are not caught up).
    under.clock.set(new Date(t0 + 2 * MINUTE + 50_000));
    const unpaused = unwrap(await under.schedules.unpause(schedule.id, { note: 'fixed' }));
    expect(unpaused).toMatchObject({ paused: false, note: 'fixed' });
    expect(unwrap(await under.schedules.describe(schedule.id, 2)).nextActionTimes).toEqual([new Date(t0 + 3 * MINUTE).toISOString(), new Date(t0 + 4 * MINUTE).toISOString()]);
    await settle();
    expect(under.orchestrator.startsOf(failing)).toHaveLength(2);
    under.clock.set(new Date(t0 + 3 * MINUTE));
    await settle();
    expect(under.orchestrator.startsOf(failing).map((i) => i.variables.scheduledTime).at(-1)).toBe(new Date(t0 + 3 * MINUTE).toISOString());
    // Pause by hand, with a note.
    expect(unwrap(await under.schedules.pause(schedule.id, { note: 'maintenance' }))).toMatchObject({ paused: true, note: 'maintenance' });
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('remaining_actions stops the schedule after that many scheduled actions', async () => {
    freshHour();
    const workflowID = under.orchestrator.addWorkflow(0);
    const schedule = unwrap(await under.schedules.create({ name: 'three', spec: { interval: '1m' }, action: { workflowID }, overlap: 'allow_all', remaining_actions: 3 }));
    for (let i = 0; i < 6; i++) {
      await settle();
      under.clock.advance(MINUTE);
    }
    expect(under.orchestrator.startsOf(workflowID)).toHaveLength(3);
    const description = unwrap(await under.schedules.describe(schedule.id));
    expect(description.schedule.remaining_actions).toBe(0);
    expect(description.nextActionTimes).toEqual([]);
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('Europe/Paris 30 2 * * * fires once a day through both DST changes, at the documented instants', async () => {
    under.clock.set(new Date('2026-03-27T12:00:00Z'));
    const workflowID = under.orchestrator.addWorkflow(0);
    const schedule = unwrap(await under.schedules.create({ name: 'paris', spec: { cron: '30 2 * * *', timezone: 'Europe/Paris' }, action: { workflowID }, overlap: 'allow_all' }));
    const walk = async (until: string) => {
      while (under.clock.now().getTime() < Date.parse(until)) {
        under.clock.advance(15 * MINUTE);
        await under.loop.runDue();
      }
    };
    await walk('2026-03-31T12:00:00Z');
    expect(under.orchestrator.startsOf(workflowID).map((i) => i.variables.scheduledTime)).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
    // Jump to October (the months between are caught up per the 1-year window; not looked at here).
    unwrap(await under.schedules.pause(schedule.id, {}));
    under.clock.set(new Date('2026-10-23T12:00:00Z'));
    unwrap(await under.schedules.unpause(schedule.id, {}));
    const before = under.orchestrator.startsOf(workflowID).length;
    await walk('2026-10-27T12:00:00Z');
    expect(under.orchestrator.startsOf(workflowID).slice(before).map((i) => i.variables.scheduledTime)).toEqual([
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z', // 02:30 twice: once, the first (CEST)
      '2026-10-26T01:30:00.000Z',
      '2026-10-27T01:30:00.000Z',
    ]);
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('two replicas running their due loops at once start every tick exactly once', async () => {
    freshHour();
    const second = await under.replica();
    const workflowID = under.orchestrator.addWorkflow(0);
    const schedule = unwrap(await under.schedules.create({ name: 'replicated', spec: { interval: '1m' }, action: { workflowID }, overlap: 'allow_all' }));
    for (let i = 0; i < 20; i++) {
      await Promise.all([under.loop.runDue(), second.loop.runDue(), under.loop.runDue(), second.loop.runDue()]);
      under.clock.advance(MINUTE);
    }
    const requests = under.orchestrator.startRequests.filter((r) => r.workflowId === workflowID);
    expect(requests).toHaveLength(20);
    expect(new Set(requests.map((r) => r.idempotencyKey)).size).toBe(20);
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('a start whose reply is lost stays pending on its tick; the retry sends the same key and records the one instance', async () => {
    const t0 = freshHour();
    const workflowID = under.orchestrator.addWorkflow(HOUR);
    const schedule = unwrap(await under.schedules.create({ name: 'lossy', spec: { interval: '1m' }, action: { workflowID } }));
    under.orchestrator.swallowStartReplies.set(workflowID, 1);
    await under.loop.runDue(); // the orchestrator starts the instance, its reply never comes: the call times out and stays pending
    expect(await db.query(`SELECT status, instance_id, pending FROM schedules.actions WHERE schedule_id = $1`, [schedule.id])).toEqual([{ status: 'running', instance_id: null, pending: 'start' }]);
    await under.loop.runDue(); // this replica leaves the failed schedule alone for SCHEDULES_RETRY_AFTER_MS (5 s)
    expect(under.orchestrator.startRequests.filter((r) => r.workflowId === workflowID)).toHaveLength(1);
    under.clock.advance(5000);
    await under.loop.runDue();
    const requests = under.orchestrator.startRequests.filter((r) => r.workflowId === workflowID);
    expect(requests.map((r) => r.idempotencyKey)).toEqual([`schedule:${schedule.id}:${new Date(t0).toISOString()}`, `schedule:${schedule.id}:${new Date(t0).toISOString()}`]);
    const instances = under.orchestrator.startsOf(workflowID);
    expect(instances).toHaveLength(1);
    const [row] = await db.query(`SELECT status, instance_id FROM schedules.actions WHERE schedule_id = $1`, [schedule.id]);
    expect(row).toEqual({ status: 'running', instance_id: instances[0].id });
    expect(instances[0].variables.actualTime).toBe(new Date(t0).toISOString()); // the planned start's, not the retry's
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('an instance whose end event was lost is looked up in the orchestrator once overdue, and stops holding back the ticks', async () => {
    const t0 = freshHour();
    const workflowID = under.orchestrator.addWorkflow(90_000);
    under.orchestrator.silentEnds.add(workflowID);
    const schedule = unwrap(await under.schedules.create({ name: 'lost-end', spec: { interval: '1m' }, action: { workflowID }, overlap: 'buffer_one' }));
    for (let t = 0; t <= 6 * MINUTE; t += MINUTE) {
      under.clock.set(new Date(t0 + t));
      await settle();
    }
    // The first instance ended at 1:30 unannounced; at 5:00 (SCHEDULES_RECONCILE_AFTER_MS, 5 min, after its start) the buffered tick 1 starts.
    expect(under.orchestrator.startsOf(workflowID).map((i) => (i.startedAt - t0) / MINUTE)).toEqual([0, 5]);
    const description = unwrap(await under.schedules.describe(schedule.id, 0, 100));
    expect(description.recentActions.find((a) => a.scheduledTime === new Date(t0).toISOString())).toMatchObject({ status: 'completed', outcome: 'succeeded' });
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('jitter delays each action by the same amount on every replica, the scheduled time unchanged', async () => {
    const t0 = freshHour();
    const workflowID = under.orchestrator.addWorkflow(0);
    const schedule = unwrap(await under.schedules.create({ name: 'jittery', spec: { interval: '1h', jitter: '30s' }, action: { workflowID } }));
    const delay = jitterDelayMs(schedule.id, new Date(t0), 30_000);
    under.clock.set(new Date(t0 + delay - 1));
    await under.loop.runDue();
    expect(under.orchestrator.startsOf(workflowID)).toHaveLength(0);
    under.clock.set(new Date(t0 + delay));
    await under.loop.runDue();
    const [instance] = under.orchestrator.startsOf(workflowID);
    expect(instance.variables).toMatchObject({ scheduledTime: new Date(t0).toISOString(), actualTime: new Date(t0 + delay).toISOString() });
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('a publish action puts one schedule.tick per tick on the bus (id from schedule + time), and a trigger matches it', async () => {
    const t0 = freshHour();
    const workflowID = under.orchestrator.addWorkflow(0);
    const schedule = unwrap(await under.schedules.create({ name: 'ticker', spec: { interval: '1m' }, action: { publish: { payload: { report: 'daily' } } } }));
    const triggers = under.app.get(TriggersService);
    const trigger = unwrap(
      await triggers.create({ event: 'schedule.tick', workflowID, filter: `event.scheduleId == "${schedule.id}"`, vars: { at: 'event.scheduledTime', report: 'event.report' } }),
    );
    await under.loop.runDue();
    await under.loop.runDue();
    const occurrences = await eventually(async () => {
      const found = unwrap(await triggers.listOccurrences(trigger.id));
      return found.length === 1 && found[0].workflowInstanceID ? found : undefined;
    });
    const eventId = tickUuid(schedule.id, new Date(t0));
    expect(occurrences[0].event).toMatchObject({ id: eventId, app: 'schedules', version: 'v1', type: 'schedule.tick', payload: { scheduleId: schedule.id, scheduledTime: new Date(t0).toISOString(), actualTime: new Date(t0).toISOString(), source: 'schedule', report: 'daily' } });
    const [instance] = under.orchestrator.startsOf(workflowID);
    expect(instance.variables).toEqual({ at: new Date(t0).toISOString(), report: 'daily' });
    expect(instance.idempotencyKey).toBe(`trigger:${trigger.id}:${eventId}`);
    const [row] = await db.query(`SELECT status, event_id FROM schedules.actions WHERE schedule_id = $1`, [schedule.id]);
    expect(row).toEqual({ status: 'published', event_id: eventId });
    // Three ticks due at once (the schedule's overlap is skip): overlap does not apply to publishing, each one publishes.
    under.clock.set(new Date(t0 + 3 * MINUTE));
    await under.loop.runDue();
    await eventually(async () => unwrap(await triggers.listOccurrences(trigger.id)).filter((o) => o.workflowInstanceID).length === 4, { what: 'four occurrences' });
    const published: Array<{ event_id: string }> = await db.query(`SELECT event_id FROM schedules.actions WHERE schedule_id = $1 AND status = 'published' ORDER BY scheduled_time`, [schedule.id]);
    expect(published.map((p) => p.event_id)).toEqual([0, 1, 2, 3].map((m) => tickUuid(schedule.id, new Date(t0 + m * MINUTE))));
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('rejects bad input with VALIDATION naming the field', async () => {
    const workflowID = under.orchestrator.addWorkflow(0);
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'x', spec: { cron: '61 * * * *' }, action: { workflowID } }, /^spec\.cron: invalid cron pattern/],
      [{ name: 'x', spec: { cron: '* * * *' }, action: { workflowID } }, /^spec\.cron: .*4 fields/],
      [{ name: 'x', spec: { interval: '1m', timezone: 'Nowhere/Land' }, action: { workflowID } }, /^spec\.timezone: unknown IANA time zone/],
      [{ name: 'x', spec: { interval: 'soon' }, action: { workflowID } }, /^spec\.interval: invalid interval/],
      [{ name: 'x', spec: { interval: '1m' }, action: {} }, /^action\.workflowID: exactly one of workflowID or publish/],
      [{ name: 'x', spec: { interval: '1m' }, action: { workflowID }, overlap: 'sometimes' }, /^overlap: /],
      [{ name: 'x', spec: { interval: '1m' }, action: { workflowID }, catchup_window: '1s' }, /^catchup_window: .*at least 10s/],
      [{ spec: { interval: '1m' }, action: { workflowID } }, /^name: /],
      [{ name: 'x', spec: { interval: '1m' }, action: { workflowID }, remaining_actions: -1 }, /^remaining_actions: /],
      [{ name: 'x', spec: { interval: '1m', start_at: 'tomorrow' }, action: { workflowID } }, /^spec\.start_at: /],
    ];
    for (const [body, message] of cases) {
      const reply = await under.schedules.create(body);
      expect(reply.ok ? 'accepted' : reply.error.code).toBe('VALIDATION');
      if (!reply.ok) expect(reply.error.message).toMatch(message);
    }
    expect(await under.schedules.get('00000000-0000-4000-8000-000000000000')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await under.schedules.trigger('nope', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
