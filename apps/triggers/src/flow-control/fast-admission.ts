import type { CancelOn, TriggerPolicy } from '@wfp/contracts';
import type { EntityManager } from 'typeorm';
import type { QueuedStartRow } from './flow-store';

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Admission without a round (issue 20's fast path), in the matcher's record transaction: the new
 * queued starts of a trigger whose policy is concurrency rules only — every rule of scope
 * `trigger` and `hold: running`, no throttle, priority, singleton, debounce, rate limit or
 * idempotency — are admitted at once (`starting`, their slots taken: takeSlots) while every key
 * has room and nothing of the trigger waits in its queue (else they stay queued for the
 * trigger's admission round, as before, kicked after commit). The caller starts the admitted
 * ones after commit (admission.service.ts), exactly as a round's.
 *
 * Why the limits hold across replicas: the slots of a key are counted under the key's advisory
 * lock (`triggers.flow-key:<trigger>:<rule>:<key>`, exclusive, until commit) and the trigger's
 * lock taken shared. Rounds take the trigger's lock exclusive: no round counts or takes slots of
 * the trigger meanwhile; another fast path of the same key waits for the key's lock, then counts
 * the slots this one took (committed: the check is a statement after the lock, and READ
 * COMMITTED takes a snapshot per statement). Locks in one
 * order — every trigger lock (shared, hash order), then every key lock (hash order), last in the
 * transaction — and nobody holding a key lock waits for a trigger lock: no deadlock. A slot freed
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
 * The starts of `queued` (just inserted, `queued`) admitted now, `starting` with their slots (see
 * the module comment). Per trigger all or nothing: its starts are admitted when, for every key,
 * the slots held plus the batch's starts of the key fit the smallest limit among those starts, no
 * other start of the trigger waits in its queue and it is not deleted — checked and taken in one
 * statement, under the locks, so the key locks are held for that statement and the commit only.
 */
export async function admitWithRoom(m: Queryable, queued: QueuedStartRow[], policies: Map<string, TriggerPolicy>, now: Date): Promise<QueuedStartRow[]> {
  const candidates = queued.filter((q) => admitsDirectly(policies.get(q.trigger_id)) && q.not_before.getTime() <= now.getTime());
  if (candidates.length === 0) return [];
  const triggerIds = [...new Set(candidates.map((c) => c.trigger_id))];
  // Per (trigger, rule, key): how many of the batch's starts, and the smallest of their limits.
  const wanted = new Map<string, { t: string; rule: number; key: string; n: number; limit: number }>();
  for (const c of candidates) {
    c.concurrency_keys.forEach((key, rule) => {
      const id = `${c.trigger_id}\u0000${rule}\u0000${key}`;
      const w = wanted.get(id) ?? { t: c.trigger_id, rule, key, n: 0, limit: Infinity };
      w.n++;
      w.limit = Math.min(w.limit, c.concurrency_limits[rule]);
      wanted.set(id, w);
    });
  }
  const buckets = [...wanted.values()];
  await m.query(
    `SELECT pg_advisory_xact_lock_shared(h) FROM (SELECT DISTINCT hashtext('triggers.flow:' || id) AS h FROM unnest($1::text[]) AS id) l ORDER BY h`,
    [triggerIds],
  );
  await m.query(
    `SELECT pg_advisory_xact_lock(h) FROM (SELECT DISTINCT hashtext('triggers.flow-key:' || t || ':' || rule || ':' || key) AS h
       FROM unnest($1::text[], $2::int[], $3::text[]) AS k (t, rule, key)) l ORDER BY h`,
    [buckets.map((b) => b.t), buckets.map((b) => b.rule), buckets.map((b) => b.key)],
  );
  const slots = candidates.flatMap((s) =>
    s.concurrency_keys.map((key, rule) => ({ occurrence_id: s.id, rule, trigger_id: s.trigger_id, key, workflow_id: s.workflow_id })),
  );
  const rows: Array<{ id: string; trigger_event: Record<string, unknown> | null; cancel_on: CancelOn | null }> = await m.query(
    `WITH refused AS (
            SELECT w.t FROM unnest($1::uuid[], $2::int[], $3::text[], $4::int[], $5::int[]) AS w (t, rule, key, n, lim)
             WHERE (SELECT count(*) FROM triggers.flow_slots s WHERE s.trigger_id = w.t AND s.rule = w.rule AND s.key = w.key AND s.scope = '') + w.n > w.lim
            UNION
            SELECT q.trigger_id FROM triggers.flow_queue q WHERE q.trigger_id = ANY($6::uuid[]) AND q.state = 'queued' AND q.id <> ALL($7::uuid[])
            UNION
            SELECT t.id FROM triggers.triggers t WHERE t.id = ANY($6::uuid[]) AND t.deleted_at IS NOT NULL),
          admitted AS (
            UPDATE triggers.flow_queue q SET state = 'starting'
              FROM unnest($8::uuid[], $9::uuid[]) AS c (id, t)
             WHERE q.id = c.id AND c.t NOT IN (SELECT t FROM refused)
            RETURNING q.id, q.trigger_id),
          slots AS (
            INSERT INTO triggers.flow_slots (occurrence_id, rule, trigger_id, key, workflow_id, scope, admitted_at)
            SELECT s.occurrence_id, s.rule, s.trigger_id, s.key, s.workflow_id, '', $11
              FROM jsonb_to_recordset($10::jsonb) AS s (occurrence_id uuid, rule int, trigger_id uuid, key text, workflow_id text)
             WHERE s.trigger_id NOT IN (SELECT t FROM refused)
            ON CONFLICT DO NOTHING)
     SELECT a.id, o.event->'payload' AS trigger_event, t.cancel_on
       FROM admitted a
       LEFT JOIN triggers.occurrences o ON o.id = a.id
       LEFT JOIN triggers.triggers t ON t.id = a.trigger_id`,
    [
      buckets.map((b) => b.t),
      buckets.map((b) => b.rule),
      buckets.map((b) => b.key),
      buckets.map((b) => b.n),
      buckets.map((b) => b.limit),
      triggerIds,
      queued.map((q) => q.id),
      candidates.map((c) => c.id),
      candidates.map((c) => c.trigger_id),
      JSON.stringify(slots),
      now,
    ],
  );
  const extra = new Map(rows.map((r) => [r.id, r]));
  return candidates.filter((c) => extra.has(c.id)).map((c) => ({ ...c, trigger_event: extra.get(c.id)!.trigger_event, cancel_on: extra.get(c.id)!.cancel_on }));
}
