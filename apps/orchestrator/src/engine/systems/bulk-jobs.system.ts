import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  BulkAction, BulkJob, CreateBulkJobReply, CreateBulkJobRequest, fail, isUuid, KeysetPage, ok, Reply,
} from '@wfp/contracts';
import { CLOCK, Clock, keysetSql } from '@wfp/platform';
import { EngineWakeup } from '../engine-wakeup';
import { EngineDb, run, sql } from '../store/engine-db';
import { instanceFilterSql } from '../store/instance-filter';
import { EngineTransaction, UnitOfWork } from '../store/unit-of-work';
import { AbortSystem } from './abort.system';
import { RedriveSystem } from './redrive.system';
import { WaitsSystem } from './waits.system';

interface JobRow {
  id: string;
  action: BulkAction;
  selection: unknown;
  max_per_second: number;
  status: BulkJob['status'];
  total: number;
  succeeded: number;
  failed: number;
  next_run_at: Date;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

const SQL = {
  insertJob: sql<JobRow>(
    'bulk.insert-job',
    `INSERT INTO orchestrator.bulk_jobs (id, action, selection, max_per_second, status, total, next_run_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'running', 0, $5, $5, $5) RETURNING *`,
  ),
  /** The total, and the job done at once when nothing was selected. */
  setTotal: sql<JobRow>(
    'bulk.set-total',
    `UPDATE orchestrator.bulk_jobs
        SET total = $2, status = CASE WHEN $2 = 0 THEN 'succeeded' ELSE status END, finished_at = CASE WHEN $2 = 0 THEN $3::timestamptz END
      WHERE id = $1 RETURNING *`,
  ),
  get: sql<JobRow>('bulk.get', `SELECT * FROM orchestrator.bulk_jobs WHERE id = $1`),
  abort: sql<JobRow>(
    'bulk.abort',
    `UPDATE orchestrator.bulk_jobs SET status = 'aborted', finished_at = $2, updated_at = $2 WHERE id = $1 AND status = 'running' RETURNING *`,
  ),
  /** The next job whose pace allows a chunk, locked; replicas skip each other's. */
  due: sql<JobRow>(
    'bulk.due',
    `SELECT * FROM orchestrator.bulk_jobs WHERE status = 'running' AND next_run_at <= $1
      ORDER BY next_run_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
  ),
  pending: sql<{ position: number; instance_id: string }>(
    'bulk.pending',
    `SELECT position, instance_id FROM orchestrator.bulk_job_items
      WHERE job_id = $1 AND status = 'pending' ORDER BY position LIMIT $2`,
  ),
  endItems: sql(
    'bulk.end-items',
    `UPDATE orchestrator.bulk_job_items b SET status = u.status, error = u.error, done_at = $2
       FROM json_to_recordset($3::json) AS u(position int, status text, error text)
      WHERE b.job_id = $1 AND b.position = u.position`,
  ),
  advanceJob: sql(
    'bulk.advance-job',
    `UPDATE orchestrator.bulk_jobs
        SET succeeded = succeeded + $2, failed = failed + $3, next_run_at = $4, updated_at = $5,
            status = CASE WHEN $6 OR succeeded + failed + $2 + $3 >= total THEN 'succeeded' ELSE status END,
            finished_at = CASE WHEN $6 OR succeeded + failed + $2 + $3 >= total THEN $5::timestamptz END
      WHERE id = $1`,
  ),
  nextDue: sql<{ next_run_at: Date | null }>(
    'bulk.next-due',
    `SELECT min(next_run_at) AS next_run_at FROM orchestrator.bulk_jobs WHERE status = 'running'`,
  ),
};

type ItemOutcome = { ok: true } | { ok: false; error: string };

/** Items one chunk carries at most (one transaction). */
const MAX_CHUNK = 500;

/**
 * Bulk actions as durable jobs (our extension): `create` freezes the selection (one item per
 * selected instance, in creation order) in the transaction that creates the job; `runDue` applies
 * the action to the next chunk of a due job in ONE transaction — each item through the same
 * system an API call uses (set-based: one load, one write), its outcome written in that transaction, so a crash
 * never applies an item twice or skips one — and paces the job at `maxPerSecond`. State is in
 * Postgres: a restart resumes where the last commit left off; replicas share jobs (SKIP LOCKED).
 */
@Injectable()
export class BulkJobsSystem {
  constructor(
    private readonly db: EngineDb,
    private readonly unit: UnitOfWork,
    private readonly aborts: AbortSystem,
    private readonly redrives: RedriveSystem,
    private readonly waits: WaitsSystem,
    private readonly wakeup: EngineWakeup,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(request: CreateBulkJobRequest): Promise<Reply<CreateBulkJobReply>> {
    const params: unknown[] = [];
    let conditions: string[];
    if ('ids' in request.selection) {
      const bad = request.selection.ids.findIndex((id) => !isUuid(id));
      if (bad >= 0) return fail('VALIDATION', `selection.ids[${bad}]: '${request.selection.ids[bad]}' is not a UUID`);
      params.push([...new Set(request.selection.ids)]);
      conditions = ['i.id = ANY($1::uuid[])'];
    } else {
      if (request.selection.filter.workflowID !== undefined && !isUuid(request.selection.filter.workflowID)) {
        return fail('VALIDATION', `selection.filter.workflowID: '${request.selection.filter.workflowID}' is not a UUID`);
      }
      conditions = instanceFilterSql(request.selection.filter, params);
    }
    const from = `FROM orchestrator.instances i WHERE ${conditions.join(' AND ')}`;
    if (request.preview) {
      const { rows } = await this.db.pool.query<{ total: number }>(`SELECT count(*)::int AS total ${from}`, params);
      return ok({ preview: { total: rows[0].total } });
    }
    const now = this.clock.now();
    const id = randomUUID();
    const job = await this.db.transaction(async (client) => {
      await run(client, SQL.insertJob, [id, JSON.stringify(request.action), JSON.stringify(request.selection), request.maxPerSecond, now]);
      const selected = params.length + 1;
      const { rowCount } = await client.query(
        `INSERT INTO orchestrator.bulk_job_items (job_id, position, instance_id)
         SELECT $${selected}::uuid, row_number() OVER (ORDER BY i.created_at, i.id), i.id ${from}`,
        [...params, id],
      );
      const [row] = await run(client, SQL.setTotal, [id, rowCount ?? 0, now]);
      return row;
    });
    this.wakeup.notify(now);
    return ok(toBulkJob(job));
  }

  async get(id: string): Promise<Reply<BulkJob>> {
    const [row] = isUuid(id) ? await run(this.db.pool, SQL.get, [id]) : [];
    return row ? ok(toBulkJob(row)) : fail('NOT_FOUND', `bulk job ${id} not found`);
  }

  /** Jobs by (createdAt, id): all, or one keyset page. */
  async list(page?: KeysetPage): Promise<BulkJob[]> {
    const params: unknown[] = [];
    const keyset = keysetSql(page, { createdAt: 'created_at', id: 'id' }, params);
    const { rows } = await this.db.pool.query<JobRow>(
      `SELECT * FROM orchestrator.bulk_jobs ${keyset.condition ? `WHERE ${keyset.condition}` : ''} ORDER BY ${keyset.orderBy} ${keyset.limit}`,
      params,
    );
    return (keyset.reversed ? rows.reverse() : rows).map(toBulkJob);
  }

  async abort(id: string): Promise<Reply<BulkJob>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `bulk job ${id} not found`);
    const [aborted] = await run(this.db.pool, SQL.abort, [id, this.clock.now()]);
    if (aborted) return ok(toBulkJob(aborted));
    const [row] = await run(this.db.pool, SQL.get, [id]);
    return row ? fail('VALIDATION', `bulk job ${id} is ${row.status}`) : fail('NOT_FOUND', `bulk job ${id} not found`);
  }

  /** Applies the next chunk of one due job; answers how many items it processed (0: none due). */
  async runDue(): Promise<number> {
    const now = this.clock.now();
    const canceled: string[] = [];
    const processed = await this.unit.transaction(async (tx) => {
      const [job] = await run(tx.client, SQL.due, [now]);
      if (!job) return 0;
      const size = Math.min(MAX_CHUNK, Math.max(1, Math.ceil(job.max_per_second / 4)));
      const items = await run(tx.client, SQL.pending, [job.id, size]);
      const replies = await this.applyChunk(tx, job.action, items.map((item) => item.instance_id));
      const outcomes = items.map((item) => {
        const reply = replies.get(item.instance_id) ?? { ok: false as const, error: 'not applied' };
        if (reply.ok && job.action.type === 'cancel') canceled.push(item.instance_id);
        return { position: item.position, status: reply.ok ? ('succeeded' as const) : ('failed' as const), error: reply.ok ? null : reply.error };
      });
      await run(tx.client, SQL.endItems, [job.id, now, JSON.stringify(outcomes)]);
      // The pace: the next chunk's slot follows this one's at `max_per_second`; a late worker
      // catches up at most one chunk (no burst after a pause or a restart).
      const slotMs = (Math.max(1, items.length) / job.max_per_second) * 1000;
      const next = new Date(Math.max(job.next_run_at.getTime() + slotMs, now.getTime() - slotMs));
      const succeeded = outcomes.filter((o) => o.status === 'succeeded').length;
      // Every item counted, or fewer than a chunk pending (this chunk took the last): the job is done.
      const finished = items.length < size;
      await run(tx.client, SQL.advanceJob, [job.id, succeeded, outcomes.length - succeeded, next, now, finished]);
      return Math.max(1, items.length);
    });
    for (const id of canceled) this.aborts.cancelCall(id);
    return processed;
  }

  /** When the next running job may take its next chunk (undefined: none running). */
  async nextDue(): Promise<Date | undefined> {
    const [row] = await run(this.db.pool, SQL.nextDue, []);
    return row?.next_run_at ?? undefined;
  }

  /**
   * A chunk's action, set-based (one load, one write, as an API call of the same system). If the
   * chunk throws, it is applied again item by item under savepoints, so one bad instance fails
   * only itself (its error is its outcome).
   */
  private async applyChunk(tx: EngineTransaction, action: BulkAction, ids: readonly string[]): Promise<Map<string, ItemOutcome>> {
    const apply = (chunk: readonly string[]) =>
      action.type === 'cancel'
        ? this.aborts.abortManyIn(tx, chunk)
        : action.type === 'redrive'
          ? this.redrives.redriveManyIn(tx, chunk)
          : this.waits.sendEventManyIn(tx, chunk, action.event);
    const outcomes = new Map<string, ItemOutcome>();
    const record = (replies: Map<string, Reply<Record<string, never>>>) => {
      for (const [id, reply] of replies) outcomes.set(id, reply.ok ? { ok: true } : { ok: false, error: reply.error.message });
    };
    try {
      record(await tx.savepoint(() => apply(ids)));
      return outcomes;
    } catch {
      // Item by item below.
    }
    for (const id of ids) {
      try {
        record(await tx.savepoint(() => apply([id])));
      } catch (error) {
        outcomes.set(id, { ok: false, error: `internal error: ${(error as Error).message}` });
      }
    }
    return outcomes;
  }
}

function toBulkJob(row: JobRow): BulkJob {
  return {
    id: row.id,
    action: row.action,
    status: row.status,
    maxPerSecond: row.max_per_second,
    total: row.total,
    done: row.succeeded + row.failed,
    succeeded: row.succeeded,
    failed: row.failed,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(row.finished_at ? { finishedAt: row.finished_at.toISOString() } : {}),
  };
}
