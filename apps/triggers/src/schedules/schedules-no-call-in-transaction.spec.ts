import { Client } from 'pg';
import { COMMANDS } from '@wfp/contracts';
import { unwrap } from '@wfp/testing';
import { startSchedulesUnderTest, SchedulesUnderTest } from '../../test/schedules/schedules-under-test';

const MINUTE = 60_000;

/**
 * No orchestrator call while a transaction is open (a standard of the codebase): whenever the
 * simulated orchestrator receives a start, get or abort of a schedule's instance, and while the
 * caller waits for its reply, another connection must be able to lock the schedule's row and its
 * actions' rows `FOR UPDATE NOWAIT`. (A transaction of another writer — the consumer of instance
 * ends — may hold them for a moment: the check tries for a while before it counts a violation; a
 * call made inside the pass's transaction would hold them until it is answered.)
 */
describe('schedules make no orchestrator call inside an open transaction', () => {
  let under: SchedulesUnderTest;
  let pg: Client;
  const calls: string[] = [];
  const violations: string[] = [];

  beforeAll(async () => {
    under = await startSchedulesUnderTest('sched_notx');
    pg = new Client({ connectionString: under.database.url });
    await pg.connect();
    under.orchestrator.beforeCommand = async (command, data) => {
      const scheduleId = scheduleOf(command, data);
      if (!scheduleId) return;
      calls.push(command);
      if (!(await lockable(scheduleId))) violations.push(`${command} for schedule ${scheduleId}`);
    };
  });

  afterAll(async () => {
    await pg?.end();
    await under?.stop();
  });

  /** The schedule a command is about (from the idempotency key of the instance it names). */
  function scheduleOf(command: string, data: unknown): string | undefined {
    const request = data as { id?: string; idempotencyKey?: string };
    const key = command === COMMANDS.orchestrator.startInstance ? request.idempotencyKey : under.orchestrator.instances.find((i) => i.id === request.id)?.idempotencyKey;
    return key?.match(/^schedule:([0-9a-f-]{36}):/)?.[1];
  }

  /** Whether the schedule's row and its actions can be locked at once (tried for up to ~1 s). */
  async function lockable(scheduleId: string): Promise<boolean> {
    for (let attempt = 0; attempt < 40; attempt++) {
      try {
        await pg.query('BEGIN');
        await pg.query(`SELECT id FROM schedules.schedules WHERE id = $1 FOR UPDATE NOWAIT`, [scheduleId]);
        await pg.query(`SELECT scheduled_time FROM schedules.actions WHERE schedule_id = $1 FOR UPDATE NOWAIT`, [scheduleId]);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code !== '55P03') throw error; // lock_not_available
      } finally {
        await pg.query('ROLLBACK');
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return false;
  }

  async function step(): Promise<void> {
    await under.orchestrator.finishDue();
    await under.endsApplied();
    await under.loop.runDue();
    await under.endsApplied();
    await under.loop.runDue();
  }

  it('the check sees a transaction that holds the schedule row', async () => {
    const workflowID = under.orchestrator.addWorkflow(0);
    const schedule = unwrap(await under.schedules.create({ name: 'probe', spec: { interval: '1h' }, action: { workflowID }, paused: true }));
    const holder = new Client({ connectionString: under.database.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT id FROM schedules.schedules WHERE id = $1 FOR UPDATE`, [schedule.id]);
      expect(await lockable(schedule.id)).toBe(false);
      await holder.query('ROLLBACK');
      expect(await lockable(schedule.id)).toBe(true);
    } finally {
      await holder.end();
    }
    unwrap(await under.schedules.delete(schedule.id));
  });

  it('starts and aborts (terminate_other), trigger-now, and the look-up of an overdue end', async () => {
    const t0 = Math.ceil((under.clock.now().getTime() + 1) / 3_600_000) * 3_600_000;
    under.clock.set(new Date(t0));
    const terminating = under.orchestrator.addWorkflow(150_000);
    const first = unwrap(await under.schedules.create({ name: 'terminate', spec: { interval: '1m' }, action: { workflowID: terminating }, overlap: 'terminate_other' }));
    const silent = under.orchestrator.addWorkflow(90_000);
    under.orchestrator.silentEnds.add(silent);
    const second = unwrap(await under.schedules.create({ name: 'lost-end', spec: { interval: '1m' }, action: { workflowID: silent }, overlap: 'buffer_one' }));
    for (let t = 0; t <= 5 * MINUTE; t += MINUTE) {
      under.clock.set(new Date(t0 + t));
      await step();
    }
    under.clock.advance(1000);
    const { action } = unwrap(await under.schedules.trigger(first.id, { overlap: 'terminate_other' }));
    expect(action).toMatchObject({ source: 'trigger_now', status: 'running', instanceID: expect.any(String) });

    expect(under.orchestrator.startsOf(terminating)).toHaveLength(7); // ticks 0..5 and trigger-now
    expect(under.orchestrator.aborts.length).toBeGreaterThanOrEqual(6);
    expect(under.orchestrator.startsOf(silent).map((i) => (i.startedAt - t0) / MINUTE)).toEqual([0, 5]); // tick 1 after the look-up at 5:00
    expect(new Set(calls)).toEqual(new Set([COMMANDS.orchestrator.startInstance, COMMANDS.orchestrator.abortInstance, COMMANDS.orchestrator.getInstance]));
    expect(violations).toEqual([]);
    unwrap(await under.schedules.delete(first.id));
    unwrap(await under.schedules.delete(second.id));
  });
});
