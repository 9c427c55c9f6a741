import { randomUUID } from 'node:crypto';
import { JetStreamClient, StringCodec } from 'nats';
import { DataSource } from 'typeorm';
import { eventsStreamName, eventSubject, Replay, Trigger } from '@wfp/contracts';
import { eventually, unwrap } from '@wfp/testing';
import { TriggersService } from '../formance/triggers.service';
import { FakeOrchestrator } from '../../test/fake-orchestrator';
import { startTriggersUnderTest, TriggersUnderTest } from '../../test/triggers-under-test';
import { ReplaysController } from './replays.controller';

/**
 * Event replay through triggers (issue 22 part 4) against real Postgres and JetStream, the fake
 * orchestrator recording every start in order: 1,000 mixed events published before a trigger
 * exists; a dry run counts the matches and starts nothing; the replay starts each match once in
 * stream order; again → nothing; forced → as many new instances, tagged with the replay id; a
 * replay restricted to trigger A leaves trigger B untouched; the window is checked against the
 * stream's retention. (Through the gateway with the real orchestrator: e2e/src/triggers/replay.spec.ts.)
 */
describe('event replay through triggers (real Postgres + NATS, fake orchestrator)', () => {
  let under: TriggersUnderTest;
  let js: JetStreamClient;
  let orchestrator: FakeOrchestrator;
  const sc = StringCodec();

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_replay');
    orchestrator = under.orchestrator;
    js = under.nc.jetstream();
  });

  afterAll(async () => {
    await under?.stop();
  });

  const publish = async (type: string, payload: Record<string, unknown>) => {
    const id = randomUUID();
    const envelope = { id, idempotency_key: id, date: new Date().toISOString(), app: 'tests', version: 'v1', type, payload };
    await js.publish(eventSubject(under.namespace, 'tests', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
    return id;
  };
  const controller = () => under.app.get(ReplaysController);
  const replayUntilDone = async (body: Record<string, unknown>): Promise<Replay> => {
    const created = unwrap(await controller().create(body));
    return eventually(async () => {
      const current = unwrap(await controller().get({ id: created.id }));
      return current.status === 'running' ? undefined : current;
    }, { what: `replay ${created.id} done`, timeoutMs: 60_000 });
  };
  const occurrenceCount = async (triggerId: string, replayId?: string): Promise<number> => {
    const [{ n }]: Array<{ n: number }> = await under.app.get(DataSource).query(
      `SELECT count(*)::int AS n FROM triggers.occurrences WHERE trigger_id = $1 ${replayId ? 'AND replay_id = $2' : ''}`,
      replayId ? [triggerId, replayId] : [triggerId],
    );
    return n;
  };

  it('1,000 events, a trigger created afterwards: dry run = the matches; execute → each once in stream order; again → 0; forced → N new with replay_id; trigger B untouched', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const expected: number[] = [];
    for (let n = 0; n < 1000; n += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => n + i).map(async (k) => {
          const type = k % 3 === 0 ? 'REPLAY_OTHER' : 'REPLAY_ORDER';
          await publish(type, { n: k, amount: k % 7 });
        }),
      );
    }
    for (let k = 0; k < 1000; k++) if (k % 3 !== 0 && k % 7 > 2) expected.push(k);
    const wfA = orchestrator.addWorkflow();
    const wfB = orchestrator.addWorkflow();
    const triggers = under.app.get(TriggersService);
    const a: Trigger = unwrap(await triggers.create({ event: 'REPLAY_ORDER', workflowID: wfA.id, filter: 'event.amount > 2', vars: { n: 'event.n' } }));
    const b: Trigger = unwrap(await triggers.create({ event: 'REPLAY_ORDER', workflowID: wfB.id }));
    const startsOf = (workflowId: string) => orchestrator.starts.filter((s) => s.workflowId === workflowId);

    const dry = await replayUntilDone({ from, triggers: [a.id], dry_run: true });
    expect(dry.status).toBe('succeeded');
    expect(dry.counts).toMatchObject({ events: 1000, matched: expected.length, started: 0, already_fired: 0, errors: 0 });
    expect(dry.result!.truncated).toBe(false);
    expect(dry.result!.matches.map((m) => Number(m.variables!.n))).toEqual(expected);
    expect(dry.result!.matches.every((m) => m.triggerID === a.id)).toBe(true);
    expect(startsOf(wfA.id)).toHaveLength(0);
    expect(await occurrenceCount(a.id)).toBe(0);

    const run = await replayUntilDone({ from, triggers: [a.id] });
    expect(run.counts).toMatchObject({ matched: expected.length, started: expected.length, already_fired: 0 });
    expect(run.progress.sequence).toBe(run.progress.lastSequence);
    // Started in stream order, each once, with the replay's id in its metadata.
    expect(startsOf(wfA.id).map((s) => Number(s.variables.n))).toEqual(expected);
    expect(new Set(startsOf(wfA.id).map((s) => s.idempotencyKey)).size).toBe(expected.length);
    expect(startsOf(wfA.id).every((s) => s.metadata?.replay_id === run.id)).toBe(true);
    expect(await occurrenceCount(a.id, run.id)).toBe(expected.length);
    // Trigger B (not in the replay) is untouched.
    expect(startsOf(wfB.id)).toHaveLength(0);
    expect(await occurrenceCount(b.id)).toBe(0);

    const instancesBefore = orchestrator.instances.size;
    const again = await replayUntilDone({ from, triggers: [a.id] });
    expect(again.counts).toMatchObject({ matched: expected.length, already_fired: expected.length, started: 0 });
    expect(orchestrator.instances.size).toBe(instancesBefore);

    const forced = await replayUntilDone({ from, triggers: [a.id], force: true });
    expect(forced.counts).toMatchObject({ matched: expected.length, already_fired: 0, started: expected.length });
    expect(orchestrator.instances.size).toBe(instancesBefore + expected.length);
    const forcedStarts = startsOf(wfA.id).filter((s) => s.metadata?.replay_id === forced.id);
    expect(forcedStarts.map((s) => Number(s.variables.n))).toEqual(expected);
    expect(await occurrenceCount(a.id, forced.id)).toBe(expected.length);
    expect(await occurrenceCount(a.id)).toBe(2 * expected.length);

    const listed = unwrap(await controller().list({}));
    expect(listed.map((r) => r.id)).toEqual([dry.id, run.id, again.id, forced.id]);
  }, 120_000);

  it('refuses a window the request gets wrong: to before from, no trigger, an unknown trigger, a bad filter', async () => {
    const wf = orchestrator.addWorkflow();
    const t: Trigger = unwrap(await under.app.get(TriggersService).create({ event: 'REPLAY_X', workflowID: wf.id }));
    const now = Date.now();
    expect(await controller().create({ from: new Date(now).toISOString(), to: new Date(now - 1000).toISOString(), triggers: [t.id] })).toMatchObject({
      ok: false, error: { code: 'VALIDATION', message: expect.stringMatching(/to .* is before from/) },
    });
    expect(await controller().create({ from: new Date(now).toISOString(), triggers: [] })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await controller().create({ from: new Date(now).toISOString(), triggers: [randomUUID()] })).toMatchObject({
      ok: false, error: { code: 'VALIDATION', message: expect.stringMatching(/^invalid replay: triggers: trigger .* not found$/) },
    });
    expect(await controller().create({ from: new Date(now).toISOString(), triggers: 'all', filter: 'event.type ==' })).toMatchObject({
      ok: false, error: { code: 'VALIDATION', message: expect.stringMatching(/^invalid replay: filter: /) },
    });
    expect(await controller().get({ id: randomUUID() })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a replay filter over the envelope selects the events replayed', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    for (let k = 0; k < 20; k++) await publish('REPLAY_FILTERED', { n: k });
    const wf = orchestrator.addWorkflow();
    const t: Trigger = unwrap(await under.app.get(TriggersService).create({ event: 'REPLAY_FILTERED', workflowID: wf.id, vars: { n: 'event.n' } }));
    const done = await replayUntilDone({ from, triggers: [t.id], filter: 'event.type == "REPLAY_FILTERED" && event.payload.n >= 15' });
    expect(done.counts).toMatchObject({ matched: 5, started: 5 });
    expect(orchestrator.starts.filter((s) => s.workflowId === wf.id).map((s) => s.variables.n)).toEqual(['15', '16', '17', '18', '19']);
  });
});

describe('event replay through a throttled trigger, aborted', () => {
  let under: TriggersUnderTest;

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_replay_throttle');
  });

  afterAll(async () => {
    await under?.stop();
  });

  it('the throttle paces the replay; an abort drops its queued starts: no start after it', async () => {
    const js = under.nc.jetstream();
    const from = new Date(Date.now() - 1000).toISOString();
    for (let k = 0; k < 100; k++) {
      const id = randomUUID();
      const envelope = { id, idempotency_key: id, date: new Date().toISOString(), app: 'tests', version: 'v1', type: 'THROTTLED', payload: { k } };
      await js.publish(eventSubject(under.namespace, 'tests', 'v1', 'THROTTLED'), StringCodec().encode(JSON.stringify(envelope)), { msgID: id });
    }
    const wf = under.orchestrator.addWorkflow();
    const t: Trigger = unwrap(await under.app.get(TriggersService).create({ event: 'THROTTLED', workflowID: wf.id, policy: { throttle: { limit: 10, period: '1s' } } }));
    const controller = under.app.get(ReplaysController);
    const created = unwrap(await controller.create({ from, triggers: [t.id] }));
    const startsOf = () => under.orchestrator.starts.filter((s) => s.workflowId === wf.id).length;
    // Every event read and queued, the throttle admitting about 10 a second.
    const paced = await eventually(async () => {
      const r = unwrap(await controller.get({ id: created.id }));
      return r.counts.matched === 100 && startsOf() >= 10 ? r : undefined;
    }, { what: 'the replay read and some started', timeoutMs: 20_000 });
    expect(paced.status).toBe('running');
    expect(paced.counts.queued).toBeGreaterThan(50);
    const aborted = unwrap(await controller.abort({ id: created.id }));
    expect(aborted.status).toBe('aborted');
    const db = under.app.get(DataSource);
    // Once the starts admitted before the abort are recorded, nothing of the replay is left to start.
    await eventually(async () => {
      const [{ n }]: Array<{ n: number }> = await db.query(`SELECT count(*)::int AS n FROM triggers.flow_queue WHERE replay_id = $1`, [created.id]);
      return n === 0 || undefined;
    }, { what: 'no start of the replay in flow control' });
    const final = unwrap(await controller.get({ id: created.id }));
    expect(final.counts.started).toBe(startsOf());
    expect(final.counts.started).toBeLessThan(50);
    expect(final.counts.skipped).toBe(100 - final.counts.started);
    const [{ n: dropped }]: Array<{ n: number }> = await db.query(
      `SELECT count(*)::int AS n FROM triggers.occurrences WHERE replay_id = $1 AND outcome = 'skipped' AND reason = 'replay_aborted'`,
      [created.id],
    );
    expect(dropped).toBe(100 - final.counts.started);
  });
});

describe('event replay and the stream retention', () => {
  let under: TriggersUnderTest;

  beforeAll(async () => {
    under = await startTriggersUnderTest('triggers_replay_retention');
  });

  afterAll(async () => {
    await under?.stop();
  });

  it('a window older than the stream retains is refused, naming the oldest replayable time', async () => {
    const jsm = await under.nc.jetstreamManager();
    const stream = eventsStreamName(under.namespace);
    const { config } = await jsm.streams.info(stream);
    await jsm.streams.update(stream, { ...config, max_msgs: 10 });
    const js = under.nc.jetstream();
    const from = new Date(Date.now() - 1000).toISOString();
    for (let k = 0; k < 20; k++) {
      const id = randomUUID();
      const envelope = { id, idempotency_key: id, date: new Date().toISOString(), app: 'tests', version: 'v1', type: 'RETAINED', payload: { k } };
      await js.publish(eventSubject(under.namespace, 'tests', 'v1', 'RETAINED'), StringCodec().encode(JSON.stringify(envelope)), { msgID: id });
    }
    const state = (await jsm.streams.info(stream)).state;
    expect(state.first_seq).toBe(11);
    const wf = under.orchestrator.addWorkflow();
    const t: Trigger = unwrap(await under.app.get(TriggersService).create({ event: 'RETAINED', workflowID: wf.id }));
    const reply = await under.app.get(ReplaysController).create({ from, triggers: [t.id] });
    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION',
        message: `invalid replay: from (${from}) is older than the events stream retains: the oldest replayable event is from ${new Date(state.first_ts).toISOString()}`,
      },
    });
    // From the oldest retained event on, it replays.
    const created = unwrap(await under.app.get(ReplaysController).create({ from: new Date(state.first_ts).toISOString(), triggers: [t.id] }));
    const done = await eventually(async () => {
      const current = unwrap(await under.app.get(ReplaysController).get({ id: created.id }));
      return current.status === 'running' ? undefined : current;
    }, { what: 'replay done' });
    expect(done.counts).toMatchObject({ events: 10, matched: 10, started: 10 });
  });
});
