import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { BulkJob, CreateBulkJobRequestInput, createBulkJobRequestSchema } from '@wfp/contracts';
import { eventually, unwrap } from '@wfp/testing';
import { EngineUnderTest, startEngineUnderTest } from '../../../test/engine-under-test';

/**
 * Bulk actions as durable jobs (our extension) on real Postgres and NATS: the selection is
 * frozen at creation, the action applied to each selected instance exactly once at the capped
 * rate, progress readable, the job surviving a restart of the orchestrator.
 */
describe('engine: bulk actions as durable jobs', () => {
  let under: EngineUnderTest;
  let sql: Client;
  let hook: Server;
  let hookUrl: string;
  /** The webhook answers 404 until fixed. */
  let fixed = false;
  const N = Number(process.env.BULK_INSTANCES ?? 10_000);
  const RATE = 1000;

  beforeAll(async () => {
    hook = createServer((req, res) => {
      req.resume();
      req.on('end', () => (fixed ? res.writeHead(200, { 'content-type': 'application/json' }).end('{}') : res.writeHead(404).end()));
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    under = await startEngineUnderTest('engine_bulk');
    sql = new Client({ connectionString: under.database.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql?.end();
    await under?.stop();
    hook?.closeAllConnections();
    await new Promise((resolve) => hook?.close(resolve));
  });

  const create = async (input: CreateBulkJobRequestInput) => unwrap(await under.engine.createBulkJob(createBulkJobRequestSchema.parse(input)));
  const job = async (id: string) => unwrap(await under.engine.getBulkJob(id));
  const startMany = async (workflowId: string, count: number, metadata: Record<string, string>) => {
    for (let offset = 0; offset < count; offset += 1000) {
      const items = Array.from({ length: Math.min(1000, count - offset) }, () => ({ workflowId, variables: {}, metadata }));
      const results = await under.engine.startManyInstances(items);
      expect(results.every((r) => r.ok)).toBe(true);
    }
  };

  it(`cancels exactly the ${N} waiting instances selected at creation, at the capped rate, across a restart`, async () => {
    const workflow = unwrap(await under.engine.createWorkflow({ stages: [{ wait_event: { event: 'never' } }] }));
    await startMany(workflow.id, N, { incident: 'i-1' });
    expect(await create({ action: { type: 'cancel' }, selection: { filter: { metadata: { incident: 'i-1' } } }, preview: true })).toEqual({ preview: { total: N } });
    const created = (await create({ action: { type: 'cancel' }, selection: { filter: { metadata: { incident: 'i-1' } } }, maxPerSecond: RATE })) as BulkJob;
    expect(created).toMatchObject({ status: 'running', total: N, done: 0 });
    // New instances with the same label keep arriving: not in the frozen selection.
    await startMany(workflow.id, 500, { incident: 'i-1' });
    // Progress rises; the orchestrator restarts mid-job.
    await eventually(async () => (await job(created.id)).done >= N / 3, { what: 'a third done', timeoutMs: 60_000 });
    await under.restart();
    const restarted = new Date();
    const progress: number[] = [];
    const done = await eventually(
      async () => {
        const current = await job(created.id);
        progress.push(current.done);
        return current.status === 'succeeded' ? current : undefined;
      },
      { what: 'job done', timeoutMs: 120_000, intervalMs: 200 },
    );
    expect(done).toMatchObject({ total: N, done: N, succeeded: N, failed: 0 });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const { rows } = await sql.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM orchestrator.instances WHERE metadata @> '{"incident":"i-1"}' GROUP BY status ORDER BY status`,
    );
    expect(rows).toEqual([{ status: 'canceled', n: N }, { status: 'running', n: 500 }]);
    const items = await sql.query<{ n: number; distinct_instances: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT instance_id)::int AS distinct_instances FROM orchestrator.bulk_job_items WHERE job_id = $1 AND status = 'succeeded'`,
      [created.id],
    );
    expect(items.rows[0]).toEqual({ n: N, distinct_instances: N });
    // The rate, over the chunks after the restart (and its one chunk of catch-up): within the cap ± 10 %.
    const { rows: pace } = await sql.query<{ seconds: number; n: number }>(
      `WITH after AS (SELECT done_at FROM orchestrator.bulk_job_items WHERE job_id = $1 AND done_at > $2::timestamptz + interval '1 second'),
            chunks AS (SELECT done_at, count(*) AS n FROM after GROUP BY done_at)
       SELECT extract(epoch FROM max(done_at) - min(done_at))::float AS seconds,
              (sum(n) - (SELECT n FROM chunks ORDER BY done_at DESC LIMIT 1))::int AS n
         FROM chunks`,
      [created.id, restarted],
    );
    const rate = pace[0].n / pace[0].seconds;
    expect(rate).toBeGreaterThan(RATE * 0.9);
    expect(rate).toBeLessThan(RATE * 1.1);
  });

  it('redrives and sends events in bulk; refuses an empty filter; aborts a job; counts what did not apply', async () => {
    const workflow = unwrap(await under.engine.createWorkflow({ stages: [{ http: { url: hookUrl, retry: { attempts: 1 } } }, { wait_event: { event: 'next' } }] }));
    await startMany(workflow.id, 20, { batch: 'b-1' });
    // Each webhook call fails: failed. Fix the webhook, redrive them all, then move them on with one event each.
    await eventually(async () => (await under.engine.listInstances({ metadata: { batch: 'b-1' }, status: 'failed' })).length === 20, { what: 'all failed' });
    expect(createBulkJobRequestSchema.safeParse({ action: { type: 'cancel' }, selection: { filter: {} } }).success).toBe(false);
    expect(await under.engine.createBulkJob(createBulkJobRequestSchema.parse({ action: { type: 'cancel' }, selection: { ids: ['nope'] } }))).toEqual({
      ok: false, error: { code: 'VALIDATION', message: "selection.ids[0]: 'nope' is not a UUID" },
    });
    fixed = true;
    const redrive = (await create({ action: { type: 'redrive' }, selection: { filter: { metadata: { batch: 'b-1' }, status: 'failed' } }, maxPerSecond: 500 })) as BulkJob;
    expect(await eventually(async () => ((await job(redrive.id)).status === 'succeeded' ? job(redrive.id) : undefined), { what: 'redrive job' })).toMatchObject({ succeeded: 20 });
    await eventually(async () => (await under.engine.listInstances({ metadata: { batch: 'b-1' }, status: 'running' })).length === 20, { what: 'all redriven' });
    const ids = (await under.engine.listInstances({ metadata: { batch: 'b-1' } })).map((i) => i.id);
    unwrap(await under.engine.abort(ids[0])); // ended meanwhile: the event does not apply to it
    const send = (await create({ action: { type: 'send_event', event: 'next' }, selection: { ids }, maxPerSecond: 500 })) as BulkJob;
    const sent = await eventually(async () => ((await job(send.id)).status === 'succeeded' ? job(send.id) : undefined), { what: 'send job' });
    expect(sent).toMatchObject({ total: 20, succeeded: 19, failed: 1 });
    // An instance still in its http stage got the event buffered: its wait_event takes it when reached.
    await eventually(async () => (await under.engine.listInstances({ metadata: { batch: 'b-1' }, status: 'succeeded' })).length === 19, { what: '19 succeeded' });
    // Abort: a slow job stops where it is.
    await startMany(workflow.id, 5, { batch: 'b-2' });
    const slow = (await create({ action: { type: 'cancel' }, selection: { filter: { metadata: { batch: 'b-2' } } }, maxPerSecond: 1 })) as BulkJob;
    const aborted = unwrap(await under.engine.abortBulkJob(slow.id));
    expect(aborted.status).toBe('aborted');
    expect(await under.engine.abortBulkJob(slow.id)).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: `bulk job ${slow.id} is aborted` } });
    expect((await under.engine.listBulkJobs()).map((j) => j.id)).toEqual(expect.arrayContaining([redrive.id, send.id, slow.id]));
  });
});
