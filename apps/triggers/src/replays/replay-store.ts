import type { EntityManager } from 'typeorm';
import { KeysetPage, Replay, ReplayError, ReplayMatch } from '@wfp/contracts';
import { keysetSql } from '@wfp/platform';
import { returning } from '../flow-control/flow-store';

/**
 * SQL of replays (table in migrations/1732000031000-replays.ts) and of what a replay reads from
 * the occurrences: which pairs fired already, and its own occurrences by outcome.
 */
type Queryable = Pick<EntityManager, 'query'>;

export interface ReplayRow {
  id: string;
  status: Replay['status'];
  from_time: Date;
  to_time: Date;
  to_seq: string;
  filter: string | null;
  trigger_ids: string[];
  dry_run: boolean;
  force: boolean;
  last_seq: string;
  last_time: Date | null;
  events: number;
  matched: number;
  already_fired: number;
  errors: number;
  dry_matches: ReplayMatch[];
  dry_errors: ReplayError[];
  truncated: boolean;
  error: string | null;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

export type NewReplay = Pick<ReplayRow, 'id' | 'from_time' | 'to_time' | 'to_seq' | 'filter' | 'trigger_ids' | 'dry_run' | 'force' | 'created_at'>;

export async function insertReplay(db: Queryable, r: NewReplay): Promise<ReplayRow> {
  const [row] = await returning<ReplayRow>(
    db,
    `INSERT INTO triggers.replays (id, status, from_time, to_time, to_seq, filter, trigger_ids, dry_run, force, created_at, updated_at)
     VALUES ($1, 'running', $2, $3, $4, $5, $6::uuid[], $7, $8, $9, $9) RETURNING *`,
    [r.id, r.from_time, r.to_time, r.to_seq, r.filter, r.trigger_ids, r.dry_run, r.force, r.created_at],
  );
  return row;
}

export async function replayRow(db: Queryable, id: string): Promise<ReplayRow | undefined> {
  const [row]: ReplayRow[] = await db.query(`SELECT * FROM triggers.replays WHERE id = $1`, [id]);
  return row;
}

export async function replayRows(db: Queryable, page?: KeysetPage): Promise<ReplayRow[]> {
  const params: unknown[] = [];
  const keyset = keysetSql(page, { createdAt: 'created_at', id: 'id' }, params);
  const rows: ReplayRow[] = await db.query(
    `SELECT * FROM triggers.replays ${keyset.condition ? `WHERE ${keyset.condition}` : ''} ORDER BY ${keyset.orderBy} ${keyset.limit}`,
    params,
  );
  return keyset.reversed ? rows.reverse() : rows;
}

/** A replay's occurrences by outcome (a queued one is counted as queued until admission decides). */
export async function outcomeCounts(db: Queryable, ids: string[]): Promise<Map<string, Record<string, number>>> {
  const counts = new Map<string, Record<string, number>>();
  if (ids.length === 0) return counts;
  const rows: Array<{ replay_id: string; outcome: string; n: number }> = await db.query(
    `SELECT replay_id, coalesce(outcome, CASE WHEN workflow_instance_id IS NULL THEN 'failed' ELSE 'started' END) AS outcome, count(*)::int AS n
       FROM triggers.occurrences WHERE replay_id = ANY($1::uuid[]) GROUP BY 1, 2`,
    [ids],
  );
  for (const row of rows) counts.set(row.replay_id, { ...(counts.get(row.replay_id) ?? {}), [row.outcome]: row.n });
  return counts;
}

/**
 * Pairs (`<trigger>:<event>`) that fired already: an occurrence with any decision but
 * `skipped(paused)` — a paused workflow's dropped start is what a replay is for. The other skip
 * reasons are the trigger's own policy deciding (docs/replay.md): they count as fired.
 */
export async function firedPairs(db: Queryable, pairs: Array<{ triggerId: string; eventId: string }>): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows: Array<{ trigger_id: string; event_id: string }> = await db.query(
    `SELECT DISTINCT o.trigger_id, o.event_id
       FROM triggers.occurrences o JOIN unnest($1::uuid[], $2::text[]) AS p (trigger_id, event_id)
         ON o.trigger_id = p.trigger_id AND o.event_id = p.event_id
      WHERE NOT (o.outcome IS NOT DISTINCT FROM 'skipped' AND o.reason IS NOT DISTINCT FROM 'paused')`,
    [pairs.map((p) => p.triggerId), pairs.map((p) => p.eventId)],
  );
  return new Set(rows.map((r) => `${r.trigger_id}:${r.event_id}`));
}

/** Pairs with an occurrence of any kind (a firing of a pair that has one is a refiring: another row). */
export async function pairsWithOccurrence(db: Queryable, pairs: Array<{ triggerId: string; eventId: string }>): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const rows: Array<{ trigger_id: string; event_id: string }> = await db.query(
    `SELECT DISTINCT o.trigger_id, o.event_id
       FROM triggers.occurrences o JOIN unnest($1::uuid[], $2::text[]) AS p (trigger_id, event_id)
         ON o.trigger_id = p.trigger_id AND o.event_id = p.event_id`,
    [pairs.map((p) => p.triggerId), pairs.map((p) => p.eventId)],
  );
  return new Set(rows.map((r) => `${r.trigger_id}:${r.event_id}`));
}

/**
 * Claims the oldest running replay for `owner` (a lease of `leaseMs`, renewed by each
 * checkpoint): replays run one at a time, in creation order, on one replica at a time.
 */
export async function claimReplay(db: Queryable, owner: string, now: Date, leaseMs: number): Promise<ReplayRow | undefined> {
  const [row] = await returning<ReplayRow>(
    db,
    `UPDATE triggers.replays SET owner = $1, lease_until = $3
      WHERE id = (SELECT id FROM triggers.replays WHERE status = 'running' ORDER BY created_at, id LIMIT 1 FOR UPDATE)
        AND (owner IS NULL OR owner = $1 OR lease_until < $2)
     RETURNING *`,
    [owner, now, new Date(now.getTime() + leaseMs)],
  );
  return row;
}

export interface Checkpoint {
  lastSeq: number;
  lastTime: Date | undefined;
  events: number;
  matched: number;
  alreadyFired: number;
  errors: number;
  dryMatches?: ReplayMatch[];
  dryErrors?: ReplayError[];
  truncated?: boolean;
}

/**
 * Moves the checkpoint forward and adds the batch's counts, if `owner` still holds the running
 * replay (false: aborted, or another replica took it over — the caller stops).
 */
export async function saveCheckpoint(db: Queryable, id: string, owner: string, c: Checkpoint, now: Date, leaseMs: number): Promise<boolean> {
  const updated = await returning<{ id: string }>(
    db,
    `UPDATE triggers.replays
        SET last_seq = $3, last_time = coalesce($4, last_time), events = events + $5, matched = matched + $6,
            already_fired = already_fired + $7, errors = errors + $8,
            dry_matches = dry_matches || $9::jsonb, dry_errors = dry_errors || $10::jsonb, truncated = truncated OR $11,
            updated_at = $12, lease_until = $13
      WHERE id = $1 AND owner = $2 AND status = 'running' AND last_seq < $3
     RETURNING id`,
    [
      id, owner, c.lastSeq, c.lastTime ?? null, c.events, c.matched, c.alreadyFired, c.errors,
      JSON.stringify(c.dryMatches ?? []), JSON.stringify(c.dryErrors ?? []), c.truncated ?? false, now, new Date(now.getTime() + leaseMs),
    ],
  );
  return updated.length > 0;
}

export async function renewLease(db: Queryable, id: string, owner: string, now: Date, leaseMs: number): Promise<boolean> {
  const updated = await returning<{ id: string }>(
    db,
    `UPDATE triggers.replays SET lease_until = $3 WHERE id = $1 AND owner = $2 AND status = 'running' RETURNING id`,
    [id, owner, new Date(now.getTime() + leaseMs)],
  );
  return updated.length > 0;
}

/** Ends a running replay (succeeded or failed); answers the row, or nothing when it was not running. */
export async function finishReplay(db: Queryable, id: string, status: 'succeeded' | 'failed', now: Date, error?: string): Promise<ReplayRow | undefined> {
  const [row] = await returning<ReplayRow>(
    db,
    `UPDATE triggers.replays SET status = $2, error = $3, finished_at = $4, updated_at = $4, owner = NULL, lease_until = NULL
      WHERE id = $1 AND status = 'running' RETURNING *`,
    [id, status, error ?? null, now],
  );
  return row;
}

export async function abortReplayRow(db: Queryable, id: string, now: Date): Promise<ReplayRow | undefined> {
  const [row] = await returning<ReplayRow>(
    db,
    `UPDATE triggers.replays SET status = 'aborted', finished_at = $2, updated_at = $2, owner = NULL, lease_until = NULL
      WHERE id = $1 AND status = 'running' RETURNING *`,
    [id, now],
  );
  return row;
}

/**
 * The starts of a replay still waiting in flow control (not admitted yet): removed, their
 * occurrences `skipped` with reason `replay_aborted`. Starts being started (admitted) go on.
 */
export async function dropQueuedStarts(m: Queryable, replayId: string): Promise<Array<{ id: string; trigger_id: string; event_id: string }>> {
  const dropped = await returning<{ id: string; trigger_id: string; event_id: string }>(
    m,
    `DELETE FROM triggers.flow_queue WHERE replay_id = $1 AND state = 'queued' RETURNING id, trigger_id, event_id`,
    [replayId],
  );
  if (dropped.length > 0) {
    await m.query(`UPDATE triggers.occurrences SET outcome = 'skipped', reason = 'replay_aborted' WHERE id = ANY($1::uuid[])`, [dropped.map((d) => d.id)]);
  }
  return dropped;
}

export function toReplay(row: ReplayRow, outcomes: Record<string, number> = {}): Replay {
  return {
    id: row.id,
    status: row.status,
    from: new Date(row.from_time).toISOString(),
    to: new Date(row.to_time).toISOString(),
    ...(row.filter ? { filter: row.filter } : {}),
    triggers: row.trigger_ids,
    dry_run: row.dry_run,
    force: row.force,
    progress: {
      sequence: Number(row.last_seq),
      ...(row.last_time ? { time: new Date(row.last_time).toISOString() } : {}),
      lastSequence: Number(row.to_seq),
    },
    counts: {
      events: row.events,
      matched: row.matched,
      already_fired: row.already_fired,
      started: outcomes.started ?? 0,
      queued: outcomes.queued ?? 0,
      skipped: outcomes.skipped ?? 0,
      failed: outcomes.failed ?? 0,
      canceled: outcomes.canceled ?? 0,
      errors: row.errors,
    },
    ...(row.dry_run ? { result: { matches: row.dry_matches, errors: row.dry_errors, truncated: row.truncated } } : {}),
    ...(row.error ? { error: row.error } : {}),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
    ...(row.finished_at ? { finishedAt: new Date(row.finished_at).toISOString() } : {}),
  };
}
