import { eventually, FakeClock, unwrap } from '@wfp/testing';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';
import { EngineService } from '../runtime/engine.service';

/** Issue 9 §3: no delay value can leave an instance stuck behind a timer with an invalid date. */
describe('delay stage in the engine (real Postgres + NATS, fake clock)', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  const clock = new FakeClock('2026-03-01T10:00:00Z');

  beforeAll(async () => {
    under = await startEngineUnderTest('delay', { clock });
    engine = under.engine;
  });

  afterAll(async () => {
    await under?.stop();
  });

  it('rejects a literal out-of-range duration or date at create', async () => {
    for (const delay of [{ duration: '9999999999h' }, { until: '0000-01-01T00:00:00Z' }, { until: '2026-02-30T00:00:00Z' }]) {
      expect(await engine.createWorkflow({ stages: [{ delay }] })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });

  it.each([
    [{ d: '9999999999h' }, { duration: '${d}' }, "delay: duration '9999999999h' out of range (at most 876000h, 100 years)"],
    [{ u: '99999-01-01T00:00:00Z' }, { until: '${u}' }, "delay: invalid date '99999-01-01T00:00:00Z' (RFC 3339 expected, years 0001 to 9999)"],
  ])('fails the instance when %j makes the delay invalid after interpolation', async (variables, delay, error) => {
    const workflow = unwrap(await engine.createWorkflow({ stages: [{ delay }, { noop: {} }] }));
    const started = unwrap(await engine.startInstance(workflow.id, variables));
    const done = await eventually(async () => {
      const instance = unwrap(await engine.getInstance(started.id));
      return instance.terminated ? instance : undefined;
    }, { what: 'termination' });
    expect(done.error).toBe(error);
    expect(done.status).toHaveLength(1);
    expect(done.status![0].error).toBe(error);
  });
});
