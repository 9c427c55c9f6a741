import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { eventually, unwrap } from '@wfp/testing';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';
import { EngineService } from '../runtime/engine.service';

/**
 * Redrive (our extension, Step Functions' redrive) on real Postgres and NATS: a failed instance
 * runs again from its failed stage — the same instance id, the stages before it not re-run, the
 * failed stage and the rest run, history counts the redrive.
 */
describe('engine: redrive a failed instance from its failed stage', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  let hook: Server;
  let hookUrl: string;
  /** Calls per path; `/flaky` answers 404 until `fixed`. */
  const calls = new Map<string, number>();
  let fixed = false;

  beforeAll(async () => {
    hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const path = req.url ?? '';
        calls.set(path, (calls.get(path) ?? 0) + 1);
        if (path.startsWith('/flaky') && !fixed) res.writeHead(404).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    under = await startEngineUnderTest('engine_redrive');
    engine = under.engine;
  });

  afterAll(async () => {
    await under?.stop();
    hook?.closeAllConnections();
    await new Promise((resolve) => hook?.close(resolve));
  });

  const instance = async (id: string) => unwrap(await engine.getInstance(id));
  const terminated = (id: string) =>
    eventually(async () => ((await instance(id)).terminated ? instance(id) : undefined), { what: 'termination', timeoutMs: 20_000 });

  it('runs the failed stage and the rest again, once; the stages before it are not re-run', async () => {
    const workflow = unwrap(
      await engine.createWorkflow({
        stages: [{ http: { url: `${hookUrl}/before` } }, { noop: {} }, { http: { url: `${hookUrl}/flaky`, retry: { attempts: 1 } } }, { http: { url: `${hookUrl}/after` } }],
      }),
    );
    const id = unwrap(await engine.startInstance(workflow.id, {})).id;
    const failed = await terminated(id);
    expect(failed.error).toBe('HTTP 404 Not Found');
    expect(failed.status?.map((s) => s.error ?? 'ok')).toEqual(['ok', 'ok', 'HTTP 404 Not Found']);
    expect([calls.get('/before'), calls.get('/flaky'), calls.get('/after')]).toEqual([1, 1, undefined]);

    fixed = true; // the webhook is fixed
    unwrap(await engine.redrive(id));
    const done = await terminated(id);
    expect(done.id).toBe(id);
    expect(done.error).toBeUndefined();
    expect(done.status?.map((s) => [s.stage, !!s.terminatedAt, s.error ?? 'ok'])).toEqual([
      [0, true, 'ok'], [1, true, 'ok'], [2, true, 'ok'], [3, true, 'ok'],
    ]);
    expect([calls.get('/before'), calls.get('/flaky'), calls.get('/after')]).toEqual([1, 2, 1]);
    const history = unwrap(await engine.history(id));
    expect(history.map((h) => [h.name, h.redrives, h.errorBeforeRedrive])).toEqual([
      ['RunHttp', undefined, undefined], ['RunNoop', undefined, undefined], ['RunHttp', 1, 'HTTP 404 Not Found'], ['RunHttp', undefined, undefined],
    ]);
    // The failed stage's attempts: the one that failed, then the one after the redrive.
    expect(unwrap(await engine.stageHistory(id, 2)).map((a) => [a.attempt, a.error ?? 'ok'])).toEqual([[1, 'HTTP 404 Not Found'], [1, 'ok']]);
  });

  it('refuses anything but a failed instance (VALIDATION), and an unknown one (NOT_FOUND)', async () => {
    const waiting = unwrap(await engine.createWorkflow({ stages: [{ wait_event: { event: 'go' } }] }));
    const id = unwrap(await engine.startInstance(waiting.id, {})).id;
    expect(await engine.redrive(id)).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: `instance ${id} is running: only a failed instance can be redriven` } });
    unwrap(await engine.abort(id));
    expect(await engine.redrive(id)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await engine.redrive('00000000-0000-4000-8000-000000000000')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await engine.redrive('not-a-uuid')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
