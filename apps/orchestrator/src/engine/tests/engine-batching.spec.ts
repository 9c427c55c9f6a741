import { Client } from 'pg';
import { eventually, FakeClock, unwrap } from '@wfp/testing';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';
import { EngineDb } from '../store/engine-db';
import { EngineService } from '../runtime/engine.service';
import { StageKind } from '../core/stage-kind';
import { MAX_TRANSITION_FAILURES } from '../systems/claim-and-advance.system';

/** Test-only kinds: an output for `save_as`, a kind whose start throws, an acting kind. */
const testKinds: StageKind[] = [
  { kind: 'test_output', checkStructure: () => undefined, resolve: (spec) => ({ ok: true, input: spec }), start: () => ({ type: 'done', output: { status: 201, body: { id: 'x-1' } } }) },
  { kind: 'test_throw', checkStructure: () => undefined, resolve: () => ({ ok: true, input: {} }), start: () => { throw new Error('kind bug'); } },
  { kind: 'test_act', checkStructure: () => undefined, resolve: () => ({ ok: true, input: {} }), start: () => ({ type: 'act', retry: { attempts: 1, backoffMs: 1, maxBackoffMs: 1 } }) },
];

describe('set-based engine: inline runs, start-many, failure isolation', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  let sql: Client;
  const clock = new FakeClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    under = await startEngineUnderTest('engine_batch', { clock, stageKinds: testKinds, env: { LOG_LEVEL: 'silent', ORCHESTRATOR_CLAIM_BATCH: '16' } });
    engine = under.engine;
    sql = new Client({ connectionString: under.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await under?.stop();
  });

  const instance = async (id: string) => unwrap(await engine.getInstance(id));

  it('starts and finishes a 1-stage noop instance in one statement (one commit)', async () => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ noop: {} }] }));
    unwrap(await engine.startInstance(workflow.id, {})); // warms the workflow cache
    const pool = under.app.get(EngineDb).pool;
    const query = jest.spyOn(pool, 'query');
    try {
      const started = unwrap(await engine.startInstance(workflow.id, {}));
      expect(started.terminated).toBe(true);
      // One autocommit statement on the pool (the worker's, the act system's and the bulk jobs' polling aside): one round trip, one commit.
      const polling = ['orchestrator.claim.', 'orchestrator.act.', 'orchestrator.bulk.'];
      const names = query.mock.calls.map(([q]) => (q as unknown as { name?: string }).name).filter((name) => !polling.some((prefix) => name?.startsWith(prefix)));
      expect(names).toEqual(['orchestrator.write-transitions']);
      const rows = await sql.query(`SELECT status FROM orchestrator.stage_runs WHERE instance_id = $1`, [started.id]);
      expect(rows.rows).toEqual([{ status: 'succeeded' }]);
    } finally {
      query.mockRestore();
    }
  });

  it('runs noop, an elapsed delay and a wait_event with a buffered event inline', async () => {
    const workflow = unwrap(await engine.createWorkflow({
      stages: [{ noop: {} }, { delay: { until: '2020-01-01T00:00:00Z' } }, { delay: { duration: '1m' } }, { wait_event: { event: 'go' } }, { noop: {} }],
    }));
    const started = unwrap(await engine.startInstance(workflow.id, {}));
    expect(started.terminated).toBe(false);
    expect((await instance(started.id)).status?.map((s) => !!s.terminatedAt)).toEqual([true, true, false]);
    unwrap(await engine.sendEvent(started.id, 'go')); // buffered: the delay is still sleeping
    clock.advance(60_000);
    const done = await eventually(async () => ((await instance(started.id)).terminated ? instance(started.id) : undefined));
    expect(done.error).toBeUndefined();
    expect(done.status).toHaveLength(5);
    // the worker resumed the delay, then ran wait_event (buffered event) and noop in the same transition
    expect(new Set(done.status!.slice(2).map((s) => s.terminatedAt)).size).toBe(1);
    const left = await sql.query(`SELECT (SELECT count(*) FROM orchestrator.buffered_events WHERE instance_id = $1)::int AS b,
                                         (SELECT count(*) FROM orchestrator.timers WHERE instance_id = $1)::int AS t`, [started.id]);
    expect(left.rows[0]).toEqual({ b: 0, t: 0 });
  });

  it('start-many: one result per item in order, idempotency per item, NOT_FOUND per item', async () => {
    const a = unwrap(await engine.createWorkflow({ stages: [{ noop: {} }] }));
    const b = unwrap(await engine.createWorkflow({ stages: [{ wait_event: { event: 'never' } }] }));
    const first = unwrap(await engine.startInstance(a.id, {}, 'many-existing'));
    const results = await engine.startManyInstances([
      { workflowId: a.id, variables: {} },
      { workflowId: '00000000-0000-4000-8000-000000000000', variables: {} },
      { workflowId: b.id, variables: { x: '1' }, idempotencyKey: 'many-1' },
      { workflowId: a.id, variables: {}, idempotencyKey: 'many-existing' },
      { workflowId: b.id, variables: { x: '2' }, idempotencyKey: 'many-1' },
      { workflowId: 'not-a-uuid', variables: {} },
      { workflowId: a.id, variables: { bad: 'nul\u0000char' } },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['ok', 'NOT_FOUND', 'ok', 'ok', 'ok', 'NOT_FOUND', 'VALIDATION']);
    const data = results.map((r) => (r.ok ? r.data : undefined));
    expect(data[0]).toMatchObject({ workflowID: a.id, terminated: true });
    expect(data[2]).toMatchObject({ workflowID: b.id, terminated: false });
    expect(data[3]!.id).toBe(first.id);
    expect(data[4]!.id).toBe(data[2]!.id);
    const again = await engine.startManyInstances([{ workflowId: b.id, variables: {}, idempotencyKey: 'many-1' }]);
    expect(again[0].ok && again[0].data.id).toBe(data[2]!.id);
    const events = await sql.query(`SELECT count(*)::int AS n FROM orchestrator.stage_runs WHERE instance_id = $1`, [data[2]!.id]);
    expect(events.rows[0].n).toBe(1);
  });

  it('saves a done output under save_as for later stages', async () => {
    const workflow = unwrap(await engine.createWorkflow({
      stages: [{ test_output: { save_as: 'hook' } }, { wait_event: { event: '${hook.status}-${hook.body.id}' } }],
    }));
    const started = unwrap(await engine.startInstance(workflow.id, {}));
    const history = unwrap(await engine.history(started.id));
    expect(history[1].input).toEqual({ event: '201-x-1' });
  });

  it('fails the stage of a kind whose start throws, and of an acting kind without act', async () => {
    const throwing = unwrap(await engine.createWorkflow({ stages: [{ test_throw: {} }] }));
    expect(unwrap(await engine.startInstance(throwing.id, {}))).toMatchObject({ terminated: true, error: 'test_throw: kind bug' });
    const acting = unwrap(await engine.createWorkflow({ stages: [{ noop: {} }, { test_act: {} }] }));
    const started = unwrap(await engine.startInstance(acting.id, {}));
    expect(started).toMatchObject({ terminated: false });
    // The act system runs the attempt outside the start's transaction.
    const done = await eventually(async () => ((await instance(started.id)).terminated ? instance(started.id) : undefined), { what: 'the acting stage to fail' });
    expect(done).toMatchObject({ terminated: true, error: 'test_act: this stage kind cannot act' });
    expect(done.status?.[1].error).toBe('test_act: this stage kind cannot act');
  });

  it('isolates a transition that keeps throwing: the others advance, it fails after a few attempts', async () => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ delay: { duration: '1m' } }, { noop: {} }] }));
    const ids = await Promise.all(Array.from({ length: 6 }, async () => unwrap(await engine.startInstance(workflow.id, {})).id));
    const poisoned = ids[2];
    // Something in the database refuses this one instance's transition (like a bad row would).
    await sql.query(`CREATE FUNCTION orchestrator.test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.instance_id = '${poisoned}' AND NEW.stage = 1 THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$`);
    await sql.query(`CREATE TRIGGER test_refuse BEFORE INSERT ON orchestrator.stage_runs FOR EACH ROW EXECUTE FUNCTION orchestrator.test_refuse()`);
    try {
      clock.advance(60_000);
      for (const id of ids.filter((id) => id !== poisoned)) {
        await eventually(async () => (await instance(id)).terminated, { what: 'the healthy instances to finish' });
      }
      const failed = await eventually(async () => {
        clock.advance(20_000); // the failing timer's backoff
        const current = await instance(poisoned);
        return current.terminated ? current : undefined;
      }, { what: 'the poisoned instance to fail' });
      expect(failed.error).toBe('internal error: refused by test');
      expect(failed.status?.[0].error).toBe('internal error: refused by test');
      const timers = await sql.query(`SELECT count(*)::int AS n FROM orchestrator.timers WHERE instance_id = $1`, [poisoned]);
      expect(timers.rows[0].n).toBe(0);
      expect(MAX_TRANSITION_FAILURES).toBeGreaterThan(1);
    } finally {
      await sql.query(`DROP TRIGGER test_refuse ON orchestrator.stage_runs`);
      await sql.query(`DROP FUNCTION orchestrator.test_refuse()`);
    }
  });
});
