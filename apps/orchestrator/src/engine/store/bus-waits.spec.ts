import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventEnvelope } from '@wfp/contracts';
import { runServiceMigrations, serviceDataSourceOptions } from '@wfp/platform';
import { createTestDatabase, TestDatabase } from '@wfp/testing';
import { orchestratorDatabase } from '../../database/orchestrator-database';
import { managerQuery } from './sql-query';
import { claimBusWait, insertBusWait, lockSql, matchBusWaits, waitedTypes } from './bus-waits';

/** Bus-wait matching on real Postgres: by type, after the wait began, CEL over {event, vars}, claimed once. */
describe('bus wait matching', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let workflowId: string;

  beforeAll(async () => {
    db = await createTestDatabase('bus_waits');
    await runServiceMigrations(orchestratorDatabase(db.url));
    ds = new DataSource({ ...serviceDataSourceOptions(orchestratorDatabase(db.url)), poolSize: 4 });
    await ds.initialize();
    workflowId = randomUUID();
    await ds.query(`INSERT INTO orchestrator.workflows (id, config, created_at, updated_at) VALUES ($1, '{}', now(), now())`, [workflowId]);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  async function instance(variables: Record<string, string>): Promise<string> {
    const id = randomUUID();
    await ds.query(
      `INSERT INTO orchestrator.instances (id, workflow_id, config, variables, created_at, updated_at) VALUES ($1, $2, '{}', $3, now(), now())`,
      [id, workflowId, JSON.stringify(variables)],
    );
    return id;
  }

  async function wait(instanceId: string, type: string, condition: string | null = null): Promise<void> {
    await ds.transaction((m) =>
      insertBusWait(managerQuery(m), { instance_id: instanceId, stage: 0, event_type: type, condition, on_event: 'continue', on_timeout: 'fail', save_as: null, deadline: null }),
    );
  }

  function event(type: string, payload: Record<string, unknown>, date = new Date()): EventEnvelope {
    const id = randomUUID();
    return { id, idempotency_key: id, date: date.toISOString(), app: 'interventions', version: 'v1', type, payload };
  }

  const match = (envelope: EventEnvelope) => ds.transaction((m) => matchBusWaits(managerQuery(m), envelope));

  it('matches waits of the event type whose condition holds over {event, vars}, once', async () => {
    const a = await instance({ intervention_id: 'i-a' });
    const b = await instance({ intervention_id: 'i-b' });
    const other = await instance({ intervention_id: 'i-a' });
    await wait(a, 'intervention.closed', 'event.id == vars.intervention_id');
    await wait(b, 'intervention.closed', 'event.id == vars.intervention_id');
    await wait(other, 'intervention.reopened');
    const matched = await match(event('intervention.closed', { id: 'i-a' }));
    expect(matched.map((m) => m.wait.instance_id)).toEqual([a]);
    expect(matched[0].variables).toEqual({ intervention_id: 'i-a' });
    // Claimed: the same event again (a redelivery) or another one matches nothing more for a.
    expect(await match(event('intervention.closed', { id: 'i-a' }))).toEqual([]);
    // The other type's wait was not touched; b still waits.
    const left: Array<{ instance_id: string }> = await ds.query(`SELECT instance_id FROM orchestrator.bus_waits ORDER BY began_at`);
    expect(left.map((row) => row.instance_id)).toEqual([b, other]);
    expect((await match(event('intervention.closed', { id: 'i-b' }))).map((m) => m.wait.instance_id)).toEqual([b]);
  });

  it('an event published before the wait began does not satisfy it', async () => {
    const before = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const id = await instance({});
    await wait(id, 'late.event');
    expect(await match(event('late.event', {}, before))).toEqual([]);
    expect((await match(event('late.event', {}))).map((m) => m.wait.instance_id)).toEqual([id]);
  });

  it('an event dated in the millisecond the wait began satisfies it (envelope dates have millisecond precision)', async () => {
    const id = await instance({});
    await wait(id, 'same.ms');
    const [{ began_at, whole_ms }]: Array<{ began_at: Date; whole_ms: boolean }> = await ds.query(
      `SELECT began_at, began_at = date_trunc('milliseconds', began_at) AS whole_ms FROM orchestrator.bus_waits WHERE instance_id = $1`,
      [id],
    );
    expect(whole_ms).toBe(true);
    expect(await match(event('same.ms', {}, new Date(began_at.getTime() - 1)))).toEqual([]);
    expect((await match(event('same.ms', {}, began_at))).map((m) => m.wait.instance_id)).toEqual([id]);
  });

  it('an event published after the wait\'s deadline does not satisfy it', async () => {
    const id = await instance({});
    await ds.transaction((m) =>
      insertBusWait(managerQuery(m), {
        instance_id: id, stage: 0, event_type: 'deadline.event', condition: null, on_event: 'continue', on_timeout: 'fail', save_as: null,
        deadline: new Date(Date.now() + 60_000),
      }),
    );
    expect(await match(event('deadline.event', {}, new Date(Date.now() + 120_000)))).toEqual([]);
    expect((await match(event('deadline.event', {}))).map((m) => m.wait.instance_id)).toEqual([id]);
  });

  it('a condition that errors or is not true is no match; without a condition any event of the type matches', async () => {
    const id = await instance({});
    await wait(id, 'typed.event', 'event.missing.field == 1');
    expect(await match(event('typed.event', { a: 1 }))).toEqual([]);
    expect(await ds.transaction((m) => claimBusWait(managerQuery(m), id, 0))).toMatchObject({ instance_id: id, event_type: 'typed.event' });
    expect(await ds.transaction((m) => claimBusWait(managerQuery(m), id, 0))).toBeUndefined();
  });

  it('matching waits for a wait that is beginning (type lock), so an event right after it is not missed', async () => {
    const id = await instance({});
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await insertBusWait(managerQuery(runner.manager), { instance_id: id, stage: 0, event_type: 'race.event', condition: null, on_event: 'continue', on_timeout: 'fail', save_as: null, deadline: null });
    // The wait began (uncommitted); an event published now must see it once it commits.
    await new Promise((resolve) => setTimeout(resolve, 10));
    const published = event('race.event', {});
    const seen = waitedTypes(managerQuery(ds.manager), ['nobody.waits', 'race.event']);
    let settled = false;
    void seen.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    await runner.commitTransaction();
    await runner.release();
    expect(await seen).toEqual(new Set(['race.event']));
    expect((await match(published)).map((m) => m.wait.instance_id)).toEqual([id]);
    expect(await waitedTypes(managerQuery(ds.manager), ['nobody.waits'])).toEqual(new Set());
  });

  it('the check holds one type\'s lock at a time: a matching transaction holding B that begins a wait of A is not deadlocked by a check of A and B', async () => {
    const runner = ds.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    const matching = managerQuery(runner.manager);
    await matching(lockSql('exclusive'), ['dl.b']); // an event of B being matched
    const check = waitedTypes(managerQuery(ds.manager), ['dl.a', 'dl.b']);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the check passed A, waits for B
    await matching(`SET LOCAL lock_timeout = '2s'`, []);
    await matching(lockSql('shared'), ['dl.a']); // the advanced instance begins a wait of A
    await runner.commitTransaction();
    await runner.release();
    await expect(check).resolves.toEqual(new Set());
  });

  it('reads only the waits of the event type (index by type): waits of other types cost nothing', async () => {
    const id = await instance({});
    // Thousands of other waits: instances of their own.
    await ds.query(
      `WITH ins AS (
         INSERT INTO orchestrator.instances (id, workflow_id, config, variables, created_at, updated_at)
         SELECT gen_random_uuid(), $1, '{}', '{}', now(), now() FROM generate_series(1, 5000) RETURNING id)
       INSERT INTO orchestrator.bus_waits (instance_id, stage, event_type, on_event, on_timeout, began_at)
       SELECT id, 0, 'crowded.type', 'continue', 'fail', now() FROM ins`,
      [workflowId],
    );
    await wait(id, 'rare.type');
    await ds.query('ANALYZE orchestrator.bus_waits');
    const [plan] = await ds.query(
      `EXPLAIN (FORMAT JSON) SELECT w.*, i.variables FROM orchestrator.bus_waits w JOIN orchestrator.instances i ON i.id = w.instance_id
        WHERE w.event_type = $1 AND w.began_at <= $2 AND NOT i.terminated ORDER BY w.began_at, w.instance_id`,
      ['rare.type', new Date()],
    );
    expect(JSON.stringify(plan['QUERY PLAN'])).toMatch(/"Index Name":"bus_waits_by_type"/);
    expect((await match(event('rare.type', {}))).map((m) => m.wait.instance_id)).toEqual([id]);
  });
});
