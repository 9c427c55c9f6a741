import { Client } from 'pg';
import { eventually, FakeClock, unwrap } from '@wfp/testing';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';

/** Pause / resume a workflow (our extension) on real Postgres and NATS. */
describe('engine: pause and resume a workflow', () => {
  let under: EngineUnderTest;
  let sql: Client;
  const clock = new FakeClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    under = await startEngineUnderTest('engine_pause', { clock });
    sql = new Client({ connectionString: under.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await under?.stop();
  });

  const instance = async (id: string) => unwrap(await under.engine.getInstance(id));

  it('queue: starts while paused create their instance (no stage reached), which runs on resume', async () => {
    const workflow = unwrap(await under.engine.createWorkflow({ stages: [{ noop: {} }] }));
    expect(unwrap(await under.engine.pauseWorkflow(workflow.id, 'queue')).paused).toEqual({ mode: 'queue', since: clock.now().toISOString() });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(unwrap(await under.engine.startInstance(workflow.id, {})).id);
      clock.advance(1000);
    }
    for (const id of ids) {
      const queued = await instance(id);
      expect([queued.terminated, queued.status ?? []]).toEqual([false, []]);
    }
    expect(unwrap(await under.engine.resumeWorkflow(workflow.id))).toEqual({ released: 3 });
    for (const id of ids) await eventually(async () => (await instance(id)).terminated, { what: 'released instance done' });
    const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM orchestrator.stage_runs WHERE instance_id = ANY($1) AND status = 'succeeded'`, [ids]);
    expect(rows[0].n).toBe(3);
    expect(unwrap(await under.engine.getWorkflow(workflow.id)).paused).toBeUndefined();
    // Resumed: starts run inline again.
    expect(unwrap(await under.engine.startInstance(workflow.id, {})).terminated).toBe(true);
    expect(unwrap(await under.engine.resumeWorkflow(workflow.id))).toEqual({ released: 0 });
  });

  it('drop: starts while paused are refused with CONFLICT (reason paused), one item of a batch only', async () => {
    const paused = unwrap(await under.engine.createWorkflow({ stages: [{ noop: {} }] }));
    const open = unwrap(await under.engine.createWorkflow({ stages: [{ noop: {} }] }));
    unwrap(await under.engine.pauseWorkflow(paused.id, 'drop'));
    expect(await under.engine.startInstance(paused.id, {})).toEqual({
      ok: false, error: { code: 'CONFLICT', message: `workflow ${paused.id} is paused: starts are dropped until it is resumed`, details: { reason: 'paused' } },
    });
    const results = await under.engine.startManyInstances([{ workflowId: paused.id, variables: {} }, { workflowId: open.id, variables: {} }]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['CONFLICT', 'ok']);
    unwrap(await under.engine.resumeWorkflow(paused.id));
    expect(unwrap(await under.engine.startInstance(paused.id, {})).terminated).toBe(true);
    expect(await under.engine.pauseWorkflow('00000000-0000-4000-8000-000000000000', 'queue')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
