import { DataSource, EntityManager } from 'typeorm';
import { SYSTEM_ACTOR_USER_ID } from '@wfp/contracts';
import { enqueueEvent, EventPublisher, NewEvent, runServiceMigrations, serviceDataSourceOptions, systemClock } from '@wfp/platform';
import { createTestDatabase, TestDatabase } from '@wfp/testing';
import { interventionsDatabase } from '../database/interventions-database';
import { DEFAULT_FIXTURE_PATH, loadFixture, readFixture } from '../seed/load-fixture';
import { InterventionsService } from './interventions.service';

const SUPERVISOR = '5f00000000000000000000b1';
const ALICE = '5f00000000000000000000b2';
const ALICE_TOKEN = 'alice-token';
const TWITTER_CONTENT = '6a0000000000000000000001';
const VIP_CONTENT = '6a0000000000000000000003';
const BILLING = '5f00000000000000000000c1';

/** The interventions service's system actions (the orchestrator's `intervention` stage), on real Postgres. */
describe('system actions', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let service: InterventionsService;

  beforeAll(async () => {
    db = await createTestDatabase('system_action');
    await runServiceMigrations(interventionsDatabase(db.url));
    await loadFixture(db.url, readFixture(DEFAULT_FIXTURE_PATH));
    dataSource = new DataSource(serviceDataSourceOptions(interventionsDatabase(db.url)));
    await dataSource.initialize();
    // The outbox write happens in the transaction; no relay is needed to read what was enqueued.
    const publisher = { publish: (m: EntityManager, event: NewEvent<Record<string, unknown>>) => enqueueEvent(m, 'interventions', event), flush: () => undefined };
    service = new InterventionsService(dataSource, publisher as unknown as EventPublisher, systemClock);
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  async function events(interventionId: string): Promise<Array<{ type: string; acting: string }>> {
    const rows: Array<{ envelope: { type: string; payload: { id: string; acting_user_id: string } } }> = await dataSource.query(
      `SELECT envelope FROM interventions.outbox ORDER BY created_at, id`,
    );
    return rows
      .filter((row) => row.envelope.payload.id === interventionId)
      .map((row) => ({ type: row.envelope.type, acting: row.envelope.payload.acting_user_id }))
      .sort((a, b) => a.type.localeCompare(b.type));
  }

  it('the built-in system user reassigns and categorizes; events carry its id; a replay acts once', async () => {
    const opened = await service.create(ALICE_TOKEN, TWITTER_CONTENT);
    if (!opened.ok) throw new Error(opened.error.message);
    const id = opened.data.id;
    const reassign = { action: 'reassign' as const, id, user_id: SUPERVISOR, idempotency_key: 'k1' };
    const first = await service.systemAction(reassign);
    expect(first).toMatchObject({ ok: true, data: { id, user_id: SUPERVISOR } });
    expect(await service.systemAction(reassign)).toEqual(first);
    expect(await service.systemAction({ action: 'categorize', id, category_ids: [BILLING], idempotency_key: 'k2' })).toMatchObject({
      ok: true,
      data: { category_ids: [BILLING] },
    });
    expect(await events(id)).toEqual([
      { type: 'intervention.assigned', acting: SYSTEM_ACTOR_USER_ID },
      { type: 'intervention.opened', acting: ALICE },
      { type: 'intervention.recategorized', acting: SYSTEM_ACTOR_USER_ID },
      { type: 'intervention.user_updated', acting: SYSTEM_ACTOR_USER_ID },
    ]);
  });

  it("Engage's rules still apply: close needs an agent reply; a role without rights is refused", async () => {
    const opened = await service.create(ALICE_TOKEN, '6a0000000000000000000002');
    if (!opened.ok) throw new Error(opened.error.message);
    const id = opened.data.id;
    expect(await service.systemAction({ action: 'close', id, idempotency_key: 'c1' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'Intervention has no agent reply' },
    });
    // A configured actor whose role cannot update interventions.
    expect(await service.systemAction({ action: 'reassign', id, user_id: SUPERVISOR, actor_user_id: ALICE, idempotency_key: 'r1' })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'Your role cannot update interventions' },
    });
    expect(await service.systemAction({ action: 'reassign', id, user_id: 'nobody', idempotency_key: 'r2' })).toMatchObject({
      ok: false,
      error: { code: 'UNPROCESSABLE' },
    });
    await service.reply(ALICE_TOKEN, '6a0000000000000000000002', 'On it');
    expect(await service.systemAction({ action: 'close', id, idempotency_key: 'c2' })).toMatchObject({ ok: true, data: { closed: true } });
    expect(await service.systemAction({ action: 'close', id, idempotency_key: 'c2' })).toMatchObject({ ok: true, data: { closed: true } });
    expect((await events(id)).filter((e) => e.type === 'intervention.closed')).toEqual([
      { type: 'intervention.closed', acting: SYSTEM_ACTOR_USER_ID },
    ]);
  });

  it('source permissions apply to the system actor like to anyone; an unknown actor is refused', async () => {
    await dataSource.query(`DELETE FROM interventions.source_permissions WHERE user_id = $1 AND source_id = '5f0000000000000000000002'`, [
      SYSTEM_ACTOR_USER_ID,
    ]);
    const opened = await service.create('supervisor-token', VIP_CONTENT);
    if (!opened.ok) throw new Error(opened.error.message);
    expect(await service.systemAction({ action: 'set_custom_fields', id: opened.data.id, custom_field_values: { a: 1 }, idempotency_key: 's1' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(
      await service.systemAction({ action: 'close', id: opened.data.id, actor_user_id: 'ffffffffffffffffffffffff', idempotency_key: 's2' }),
    ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN', message: expect.stringMatching(/not an enabled user/) } });
  });
});
