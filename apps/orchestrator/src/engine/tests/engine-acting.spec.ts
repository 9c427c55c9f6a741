import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { connect, NatsConnection, StringCodec } from 'nats';
import { EventEnvelope, eventsStreamName, eventSubject } from '@wfp/contracts';
import { eventually, testNatsUrl, unwrap } from '@wfp/testing';
import { Client } from 'pg';
import { EngineService } from '../runtime/engine.service';
import { FakeLedger } from '../../../test/fake-ledger';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';

// The official SDK's model of a stage-history entry (what SDK users parse).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkModels = require('@formance/formance-sdk/sdk/models/orchestration/index.js') as {
  WorkflowInstanceHistoryStage$inboundSchema: { parse(value: unknown): Record<string, unknown> };
};

/**
 * The engine side of issue 15 on real Postgres and NATS (real clock): acting stages with durable
 * retries and stage history, save_as, abort of a pending retry, publish (outbox, chain depth),
 * wait_event deadlines and wait_for_event on bus events.
 */
describe('engine: acting stages, retries, history, bus waits', () => {
  let under: EngineUnderTest;
  let engine: EngineService;
  let nc: NatsConnection;
  let sql: Client;
  let hook: Server;
  let hookUrl: string;
  const ledger = new FakeLedger();
  const sc = StringCodec();
  /** Calls by path; `/fail-<n>/…` answers 503 to the first n calls, `/gone` 404, else 200. */
  const calls = new Map<string, Array<string | undefined>>();

  beforeAll(async () => {
    hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const path = req.url ?? '';
        const list = calls.get(path) ?? [];
        list.push(req.headers['idempotency-key'] as string | undefined);
        calls.set(path, list);
        const failing = /^\/fail-(\d+)\//.exec(path);
        if (path === '/gone') res.writeHead(404).end();
        else if (failing && list.length <= Number(failing[1])) res.writeHead(503).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ticket: `T-${list.length}`, ok: true }));
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    await ledger.start();
    under = await startEngineUnderTest('engine_acting', {
      env: {
        ORCHESTRATOR_LEDGER_URL: ledger.url,
        ORCHESTRATOR_LEDGER_CLIENT_ID: FakeLedger.CLIENT_ID,
        ORCHESTRATOR_LEDGER_CLIENT_SECRET: FakeLedger.CLIENT_SECRET,
      },
    });
    engine = under.engine;
    nc = await connect({ servers: testNatsUrl() });
    sql = new Client({ connectionString: under.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await nc?.close();
    await under?.stop();
    await ledger.stop();
    hook?.closeAllConnections();
    await new Promise((resolve) => hook?.close(resolve));
  });

  const instance = async (id: string) => unwrap(await engine.getInstance(id));
  const terminated = (id: string) =>
    eventually(async () => ((await instance(id)).terminated ? instance(id) : undefined), { what: 'termination', timeoutMs: 20_000 });
  const start = async (stages: unknown[], variables: Record<string, string> = {}, chainDepth?: number) => {
    const workflow = unwrap(await engine.createWorkflow({ stages }));
    return unwrap(await engine.startInstance(workflow.id, variables, undefined, chainDepth)).id;
  };

  async function busEvents(type: string): Promise<EventEnvelope[]> {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(eventsStreamName(under.namespace));
    const out: EventEnvelope[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(eventsStreamName(under.namespace), { seq }).catch(() => undefined);
      if (!msg) continue;
      const envelope = JSON.parse(sc.decode(msg.data)) as EventEnvelope;
      if (envelope.type === type) out.push(envelope);
    }
    return out;
  }

  async function publish(type: string, payload: Record<string, unknown>, date = new Date()): Promise<void> {
    const id = randomUUID();
    const envelope: EventEnvelope = { id, idempotency_key: id, date: date.toISOString(), app: 'tests', version: 'v1', type, payload };
    await nc.jetstream().publish(eventSubject(under.namespace, 'tests', 'v1', type), sc.encode(JSON.stringify(envelope)), { msgID: id });
  }

  it('refuses malformed acting stages at create (VALIDATION → 400) with the stage and the field', async () => {
    const refused = await engine.createWorkflow({
      stages: [{ noop: {} }, { send: { source: { wallet: { id: 'w' } }, destination: { account: { id: 'a' } }, amount: { asset: 'USD', amount: 1 } } }],
    });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'VALIDATION', message: 'creating workflow: stage 1: send: wallet sources are not supported (ledger accounts only; see docs/compatibility.md)' },
    });
    expect(await engine.createWorkflow({ stages: [{ http: { url: '${u}', timeout: 'soon' } }] })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION', message: expect.stringMatching(/^creating workflow: stage 0: http: invalid timeout 'soon'/) },
    });
  });

  it('retries an http stage durably, records every attempt, saves its output for later stages', async () => {
    const path = `/fail-2/${randomUUID()}`;
    const id = await start([
      { http: { method: 'POST', url: `${hookUrl}${path}`, body: '{}', save_as: 'hook', retry: { attempts: 5, backoff: '50ms' } } },
      { publish: { type: 'hook.done', payload: { ticket: '${hook.body.ticket}', status: '${hook.status}' } } },
    ]);
    const done = await terminated(id);
    expect(done.error).toBeUndefined();
    expect(calls.get(path)).toEqual([`${id}-0`, `${id}-0`, `${id}-0`]);
    const history = unwrap(await engine.stageHistory(id, 0));
    expect(history.map((h) => [h.name, h.attempt, h.error, h.terminated, h.lastFailure])).toEqual([
      ['HttpRequest', 1, 'HTTP 503 Service Unavailable', true, undefined],
      ['HttpRequest', 2, 'HTTP 503 Service Unavailable', true, 'HTTP 503 Service Unavailable'],
      ['HttpRequest', 3, undefined, true, 'HTTP 503 Service Unavailable'],
    ]);
    expect(history[0].nextExecution).toEqual(expect.any(String));
    expect(history[2].nextExecution).toBeUndefined();
    expect(history[0].input).toEqual({ HttpRequest: { method: 'POST', url: `${hookUrl}${path}`, body: '{}' } });
    expect(history[2].output).toEqual({ HttpRequest: { status: 200, body: { ticket: 'T-3', ok: true } } });
    const stages = unwrap(await engine.history(id));
    expect(stages[1].input).toEqual({ type: 'hook.done', payload: { ticket: 'T-3', status: '200' } });
  });

  it('send and update run against the ledger with one key per stage run; their history parses with the SDK', async () => {
    ledger.failNext(503, { errorCode: 'INTERNAL', errorMessage: 'busy' });
    const id = await start(
      [
        {
          send: {
            source: { account: { id: 'users:${user}' } },
            destination: { account: { id: 'merchants:1' } },
            amount: { asset: 'USD/2', amount: '${amount}' },
            metadata: { order: 'o-1' },
            retry: { backoff: '20ms' },
          },
        },
        { update: { account: { id: 'users:${user}', metadata: { tier: 'gold' } } } },
      ],
      { user: '7', amount: '1500' },
    );
    const done = await terminated(id);
    expect(done.error).toBeUndefined();
    const posted = ledger.transactions.filter((tx) => (tx.body.metadata as Record<string, string>)?.order === 'o-1');
    expect(posted).toHaveLength(1);
    expect(posted[0].body.postings).toEqual([{ source: 'users:7', destination: 'merchants:1', amount: 1500, asset: 'USD/2' }]);
    expect(ledger.requests.filter((r) => r.path === '/v2/default/transactions').map((r) => r.key).slice(-2)).toEqual([`${id}-0`, `${id}-0`]);
    expect(ledger.metadata.get('main/users:7')).toEqual({ tier: 'gold' });
    const sendHistory = unwrap(await engine.stageHistory(id, 0));
    expect(sendHistory.map((h) => [h.name, h.attempt, h.error])).toEqual([
      ['CreateTransaction', 1, 'ledger: INTERNAL: busy'],
      ['CreateTransaction', 2, undefined],
    ]);
    const parsed = sdkModels.WorkflowInstanceHistoryStage$inboundSchema.parse(sendHistory[1]);
    expect(parsed.input).toMatchObject({ createTransaction: { ledger: 'default', data: { metadata: { order: 'o-1' } } } });
    expect(parsed.output).toMatchObject({ createTransaction: { data: { metadata: { order: 'o-1' }, reverted: false } } });
    const updateHistory = unwrap(await engine.stageHistory(id, 1));
    expect(sdkModels.WorkflowInstanceHistoryStage$inboundSchema.parse(updateHistory[0]).input).toEqual({
      addAccountMetadata: { id: 'users:7', ledger: 'main', metadata: { tier: 'gold' } },
    });
  });

  it('fails at once on a fatal answer, and after the last attempt on retryable ones', async () => {
    const gone = await start([{ http: { url: `${hookUrl}/gone` } }]);
    expect(await terminated(gone)).toMatchObject({ error: 'HTTP 404 Not Found' });
    expect(unwrap(await engine.stageHistory(gone, 0)).map((h) => h.attempt)).toEqual([1]);
    const path = `/fail-9/${randomUUID()}`;
    const exhausted = await start([{ http: { url: `${hookUrl}${path}`, retry: { attempts: 2, backoff: '10ms' } } }]);
    expect(await terminated(exhausted)).toMatchObject({ error: 'HTTP 503 Service Unavailable' });
    expect(calls.get(path)).toHaveLength(2);
  });

  it('abort cancels a pending retry', async () => {
    const path = `/fail-9/${randomUUID()}`;
    const id = await start([{ http: { url: `${hookUrl}${path}`, retry: { attempts: 5, backoff: '2s' } } }]);
    await eventually(() => (calls.get(path)?.length ?? 0) === 1, { what: 'the first attempt' });
    await eventually(async () => unwrap(await engine.stageHistory(id, 0))[0]?.terminated === true, { what: 'the first attempt recorded' });
    unwrap(await engine.abort(id));
    expect(await instance(id)).toMatchObject({ terminated: true, error: 'canceled' });
    const timers = await sql.query(`SELECT 1 FROM orchestrator.timers WHERE instance_id = $1`, [id]);
    expect(timers.rows).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(calls.get(path)).toHaveLength(1);
  });

  it('publish emits through the outbox as orchestration v1, one level deeper in the trigger chain', async () => {
    const type = `escalation.${randomUUID().slice(0, 8)}`;
    await terminated(await start([{ publish: { type, payload: { id: '${id}', nested: { who: '${id}' } } } }], { id: 'i-1' }));
    const deeper = await start([{ publish: { type, payload: { id: 'deep' } } }], {}, 2);
    await terminated(deeper);
    const events = await eventually(async () => {
      const found = await busEvents(type);
      return found.length === 2 ? found : undefined;
    }, { what: 'both events on the bus' });
    expect(events.map((e) => [e.app, e.version, e.payload, e.chain_depth])).toEqual(
      expect.arrayContaining([
        ['orchestration', 'v1', { id: 'i-1', nested: { who: 'i-1' } }, 1],
        ['orchestration', 'v1', { id: 'deep' }, 3],
      ]),
    );
  });

  it('wait_event timeout: fail (error "timeout") or continue; an event in time wins', async () => {
    const failing = await start([{ wait_event: { event: 'go', timeout: '200ms' } }, { noop: {} }]);
    expect(await terminated(failing)).toMatchObject({ error: 'timeout' });
    const continuing = await start([{ wait_event: { event: 'go', timeout: '200ms', on_timeout: 'continue' } }, { noop: {} }]);
    const done = await terminated(continuing);
    expect(done.error).toBeUndefined();
    expect(done.status).toHaveLength(2);
    const answered = await start([{ wait_event: { event: 'go', timeout: '1s' } }, { delay: { duration: '1500ms' } }]);
    unwrap(await engine.sendEvent(answered, 'go'));
    const after = await terminated(answered);
    expect(after.error).toBeUndefined();
  });

  it('wait_for_event: matches bus events after the wait began, by CEL over {event, vars}; save_as; on_event succeed; timeout', async () => {
    const type = `intervention.closed.${randomUUID().slice(0, 8)}`;
    const cont = await start(
      [
        { wait_for_event: { type, if: 'event.id == vars.intervention_id', timeout: '30s', save_as: 'closed' } },
        { publish: { type: `${type}.seen`, payload: { by: '${closed.acting_user_id}' } } },
      ],
      { intervention_id: 'i-42' },
    );
    const succeed = await start([{ wait_for_event: { type, on_event: 'succeed' } }, { noop: {} }]);
    await eventually(async () => (await sql.query(`SELECT 1 FROM orchestrator.bus_waits WHERE instance_id = ANY($1)`, [[cont, succeed]])).rows.length === 2, {
      what: 'both waits',
    });
    await publish(type, { id: 'i-42', acting_user_id: 'u-1' }, new Date(Date.now() - 60_000)); // before the waits began: ignored
    await publish(type, { id: 'other', acting_user_id: 'u-0' });
    await terminated(succeed);
    expect((await instance(succeed)).status).toHaveLength(1);
    expect((await instance(cont)).terminated).toBe(false);
    await publish(type, { id: 'i-42', acting_user_id: 'u-7' });
    const done = await terminated(cont);
    expect(done.error).toBeUndefined();
    expect(unwrap(await engine.history(cont))[1].input).toEqual({ type: `${type}.seen`, payload: { by: 'u-7' } });
    const timedOut = await start([{ wait_for_event: { type, if: 'false', timeout: '200ms' } }]);
    expect(await terminated(timedOut)).toMatchObject({ error: 'timeout' });
    const continued = await start([{ wait_for_event: { type, timeout: '200ms', on_timeout: 'succeed' } }, { http: { url: `${hookUrl}/gone` } }]);
    expect((await terminated(continued)).error).toBeUndefined();
    // Abort removes the bus wait and its deadline.
    const aborted = await start([{ wait_for_event: { type, timeout: '30s' } }]);
    unwrap(await engine.abort(aborted));
    expect((await sql.query(`SELECT 1 FROM orchestrator.bus_waits WHERE instance_id = $1`, [aborted])).rows).toEqual([]);
    expect((await sql.query(`SELECT 1 FROM orchestrator.timers WHERE instance_id = $1`, [aborted])).rows).toEqual([]);
  });
});
