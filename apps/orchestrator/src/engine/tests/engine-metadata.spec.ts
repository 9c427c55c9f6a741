import { FakeClock, unwrap } from '@wfp/testing';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';
import { EngineService } from '../runtime/engine.service';

/** Instance metadata (our extension) on real Postgres: labels at start, changes, limits, search. */
describe('engine: instance metadata and search', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  const clock = new FakeClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    under = await startEngineUnderTest('engine_metadata', { clock });
    engine = under.engine;
  });

  afterAll(async () => {
    await under?.stop();
  });

  it('keeps labels from the start, merges and removes keys, and refuses more than 32 keys (nothing changed)', async () => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ wait_event: { event: 'go' } }] }));
    const started = unwrap(await engine.startInstance(workflow.id, {}, undefined, undefined, { tenant: 'acme' }));
    expect(started.metadata).toEqual({ tenant: 'acme' });
    unwrap(await engine.setMetadata(started.id, { tier: 'gold', tenant: null }));
    expect(unwrap(await engine.getInstance(started.id)).metadata).toEqual({ tier: 'gold' });
    const many = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v']));
    expect(await engine.setMetadata(started.id, many)).toEqual({ ok: false, error: { code: 'VALIDATION', message: 'at most 32 metadata keys' } });
    expect(unwrap(await engine.getInstance(started.id)).metadata).toEqual({ tier: 'gold' });
    expect(await engine.setMetadata('00000000-0000-4000-8000-000000000000', { a: 'b' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('searches by metadata (containment), status and creation time, with or without a page', async () => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ wait_event: { event: 'go' } }] }));
    const a = unwrap(await engine.startInstance(workflow.id, {}, undefined, undefined, { team: 'red', env: 'prod' }));
    clock.advance(1000);
    const b = unwrap(await engine.startInstance(workflow.id, {}, undefined, undefined, { team: 'red' }));
    unwrap(await engine.abort(b.id));
    const ids = async (filter: Parameters<EngineService['listInstances']>[0]) => (await engine.listInstances(filter)).map((i) => i.id);
    expect(await ids({ metadata: { team: 'red' } })).toEqual([a.id, b.id]);
    expect(await ids({ metadata: { team: 'red', env: 'prod' } })).toEqual([a.id]);
    expect(await ids({ metadata: { team: 'red' }, status: 'canceled' })).toEqual([b.id]);
    expect(await ids({ workflowID: workflow.id, running: true })).toEqual([a.id]);
    expect(await ids({ metadata: { team: 'red' }, createdAfter: a.createdAt })).toEqual([b.id]);
    expect(await ids({ metadata: { team: 'red' }, page: { limit: 1 } })).toEqual([a.id]);
  });
});
