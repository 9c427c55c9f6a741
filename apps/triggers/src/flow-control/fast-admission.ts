import type { CancelOn, TriggerPolicy } from '@wfp/contracts';
import type { EntityManager } from 'typeorm';
import { QueuedStartRow, queuedStartsInsertSql } from './flow-store';

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Admission without a round (issue 20's fast path), in the matcher's record transaction: the new
 * queued starts of a trigger whose policy is concurrency rules only — every rule of scope
 * `trigger` and `hold: running`, no throttle, priority, singleton, debounce, rate limit or
 * idempotency — are inserted `starting` with their slots taken, at once, while every key has
 * room and nothing of the trigger waits in its queue (else they stay queued for the
 * trigger's admission round, as before, kicked after commit). The caller starts the admitted
 * ones after commit (admission.service.ts), exactly as a round's.
 *
 * Why the limits hold across replicas: the slots of a key are counted under the key's advisory
 * lock (`triggers.flow-key:<trigger>:<rule>:<key>`, exclusive, until commit) and the trigger's
 * lock taken shared. Rounds take the trigger's lock exclusive: no round counts or takes slots of
 * the trigger meanwhile; another fast path of the same key waits for the key's lock, then counts
 * the slots this one took (committed: the check is a statement after the locks, and READ
 * COMMITTED takes a snapshot per statement). Locks in one order — every trigger lock (shared,
 * hash order), then every key lock (hash order), last in the transaction — and nobody holding a
 * key lock waits for a trigger lock: no deadlock. A slot freed
 * meanwhile (an instance ended) only leaves more room than counted.
 *
 * Why order holds: a trigger with starts waiting in its queue (other than this batch's) is left
 * to its round, which admits the waiting ones first (round robin across keys).
 */
export function admitsDirectly(policy: TriggerPolicy | null | undefined): boolean {
  if (!policy?.concurrency || policy.concurrency.length === 0) return false;
  const { concurrency, ...others } = policy;
  if (Object.values(others).some((v) => v !== undefined && v !== null)) return false;
  return concurrency.every((rule) => rule.scope !== 'workflow' && (rule.hold ?? 'running') === 'running');
}

/**
 * Inserts `direct` (decide's starts for the fast path, not inserted yet), admitted now —
 * `starting` with their slots — or `queued` for the round (see the module comment). Per trigger
 * all or nothing: its starts are admitted when, for every key, the slots held plus the batch's
 * starts of the key fit the smallest limit among those starts, no other start of the trigger
 * waits in its queue (`batch`: the ids of the transaction's new starts) and it is not deleted.
 * Two statements, last in the transaction: every lock, then the check, the insert and the slots
 * — so the key locks are held for that statement and the commit only. Returns the admitted.
 */
export async function admitWithRoom(m: Queryable, direct: QueuedStartRow[], batch: string[], now: Date): Promise<QueuedStartRow[]> {
  if (direct.length === 0) return [];
  const triggerIds = [...new Set(direct.map((c) => c.trigger_id))];
  // Per (trigger, rule, key): how many of the batch's starts, and the smallest of their limits.
  const wanted = new Map<string, { t: string; rule: number; key: string; n: number; limit: number }>();
  for (const c of direct) {
    c.concurrency_keys.forEach((key, rule) => {
      const id = `${c.trigger_id}\u0000${rule}\u0000${key}`;
      const w = wanted.get(id) ?? { t: c.trigger_id, rule, key, n: 0, limit: Infinity };
      w.n++;
      w.limit = Math.min(w.limit, c.concurrency_limits[rule]);
      wanted.set(id, w);
    });
  }
  const buckets = [...wanted.values()];
  // Every trigger lock (shared) before every key lock, each set in hash order (one statement:
  // volatile functions of a select list are evaluated after its ORDER BY).
  await m.query(
    `SELECT CASE WHEN l.kind = 0 THEN pg_advisory_xact_lock_shared(l.h) ELSE pg_advisory_xact_lock(l.h) END
       FROM (SELECT DISTINCT 0 AS kind, hashtext('triggers.flow:' || id) AS h FROM unnest($1::text[]) AS id
             UNION
             SELECT 1, hashtext('triggers.flow-key:' || t || ':' || rule || ':' || key) FROM unnest($2::text[], $3::int[], $4::text[]) AS k (t, rule, key)) l
      ORDER BY l.kind, l.h`,
    [triggerIds, buckets.map((b) => b.t), buckets.map((b) => b.rule), buckets.map((b) => b.key)],
  );
  const slots = direct.flatMap((s) => s.concurrency_keys.map((key, rule) => ({ occurrence_id: s.id, rule, trigger_id: s.trigger_id, key, workflow_id: s.workflow_id })));
  const rows: Array<{ id: string; trigger_event: Record<string, unknown> | null; cancel_on: CancelOn | null }> = await m.query(
    `WITH refused AS (
            SELECT w.t FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[], $5::int[]) AS w (t, rule, key, n, lim)
             WHERE (SELECT count(*) FROM triggers.flow_slots s WHERE s.trigger_id = w.t AND s.rule = w.rule AND s.key = w.key AND s.scope = '') + w.n > w.lim
            UNION
            SELECT q.trigger_id FROM triggers.flow_queue q WHERE q.trigger_id = ANY($6::uuid[]) AND q.state = 'queued' AND q.id <> ALL($7::uuid[])
            UNION
            SELECT t.id FROM triggers.triggers t WHERE t.id = ANY($6::uuid[]) AND t.deleted_at IS NOT NULL),
          inserted AS (${queuedStartsInsertSql(8, `CASE WHEN r.trigger_id IN (SELECT t FROM refused) THEN 'queued' ELSE 'starting' END`)}
            RETURNING id, trigger_id, state),
          slots AS (
            INSERT INTO triggers.flow_slots (occurrence_id, rule, trigger_id, key, workflow_id, scope, admitted_at)
            SELECT s.occurrence_id, s.rule, s.trigger_id, s.key, s.workflow_id, '', $10
              FROM jsonb_to_recordset($9::jsonb) AS s (occurrence_id uuid, rule int, trigger_id uuid, key text, workflow_id text)
             WHERE s.trigger_id NOT IN (SELECT t FROM refused)
            ON CONFLICT DO NOTHING)
     SELECT a.id, o.event->'payload' AS trigger_event, t.cancel_on
       FROM inserted a
       LEFT JOIN triggers.occurrences o ON o.id = a.id
       LEFT JOIN triggers.triggers t ON t.id = a.trigger_id
      WHERE a.state = 'starting'`,
    [
      buckets.map((b) => b.t),
      buckets.map((b) => b.rule),
      buckets.map((b) => b.key),
      buckets.map((b) => b.n),
      buckets.map((b) => b.limit),
      triggerIds,
      batch,
      JSON.stringify(direct),
      JSON.stringify(slots),
      now,
    ],
  );
  const extra = new Map(rows.map((r) => [r.id, r]));
  return direct.filter((c) => extra.has(c.id)).map((c) => ({ ...c, trigger_event: extra.get(c.id)!.trigger_event, cancel_on: extra.get(c.id)!.cancel_on }));
}
