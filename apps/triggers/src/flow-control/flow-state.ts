/**
 * A trigger's flow-control state now (the `flow-state` command): per (rule, key) the starts
 * holding a slot and the starts queued for it, per admission key the queued and starting
 * starts — read from `flow_slots` and `flow_queue` (no lock: a snapshot for people, not for
 * decisions). A rule of scope `workflow` shows its shared slots: running and queued counts of
 * every trigger sharing them (`scope: 'workflow'` on the entry); `queues` are the trigger's own.
 */
import type { EntityManager, DataSource } from 'typeorm';
import type { FlowQueueKey, FlowSlotKey, TriggerFlowState, TriggerPolicy } from '@wfp/contracts';
import { concurrencyScopes } from './policy-keys';

interface SlotRow {
  rule: number;
  key: string;
  running: string;
  active: string;
  queued: string;
}

interface QueueRow {
  key: string;
  queued: string;
  starting: string;
}

export async function readFlowState(db: DataSource | EntityManager, triggerId: string): Promise<TriggerFlowState> {
  const [trigger]: Array<{ policy: TriggerPolicy | null; workflow_id: string }> = await db.query(`SELECT policy, workflow_id FROM triggers.triggers WHERE id = $1`, [triggerId]);
  // Per rule of the trigger: its shared slot owner (scope `workflow`), '' for its own slots.
  const scopes = trigger?.policy ? concurrencyScopes(trigger.policy, trigger.workflow_id) : [];
  const slotRows: SlotRow[] = await db.query(
    `WITH shared AS (
       SELECT (r.ord - 1)::int AS rule, r.scope FROM unnest($2::text[]) WITH ORDINALITY AS r(scope, ord) WHERE r.scope <> ''),
     held AS (
       SELECT rule, key, count(*) AS running, count(*) FILTER (WHERE active) AS active
         FROM triggers.flow_slots WHERE trigger_id = $1 AND scope = '' GROUP BY rule, key
       UNION ALL
       SELECT r.rule, s.key, count(*), count(*) FILTER (WHERE s.active)
         FROM shared r JOIN triggers.flow_slots s ON s.scope = r.scope GROUP BY r.rule, s.key),
     waiting AS (
       SELECT (k.ord - 1)::int AS rule, k.key, count(*) AS queued
         FROM triggers.flow_queue q, unnest(q.concurrency_keys) WITH ORDINALITY AS k(key, ord)
        WHERE q.trigger_id = $1 AND q.state = 'queued' AND coalesce(q.concurrency_scopes[k.ord::int], '') = '' GROUP BY 1, 2
       UNION ALL
       SELECT r.rule, k.key, count(*)
         FROM shared r, triggers.flow_queue q, unnest(q.concurrency_keys, q.concurrency_scopes) AS k(key, scope)
        WHERE q.state = 'queued' AND q.workflow_id = $3 AND k.scope = r.scope GROUP BY 1, 2)
     SELECT coalesce(h.rule, w.rule) AS rule, coalesce(h.key, w.key) AS key,
            coalesce(h.running, 0) AS running, coalesce(h.active, 0) AS active, coalesce(w.queued, 0) AS queued
       FROM held h FULL JOIN waiting w ON w.rule = h.rule AND w.key = h.key
      ORDER BY 1, 2`,
    [triggerId, scopes, trigger?.workflow_id ?? ''],
  );
  const queueRows: QueueRow[] = await db.query(
    `SELECT fair_key AS key, count(*) FILTER (WHERE state = 'queued') AS queued, count(*) FILTER (WHERE state = 'starting') AS starting
       FROM triggers.flow_queue WHERE trigger_id = $1 GROUP BY fair_key ORDER BY fair_key`,
    [triggerId],
  );
  const slots: FlowSlotKey[] = slotRows.map((r) => ({
    rule: Number(r.rule),
    key: r.key,
    running: Number(r.running),
    active: Number(r.active),
    queued: Number(r.queued),
    ...(scopes[Number(r.rule)] ? { scope: 'workflow' as const } : {}),
  }));
  const queues: FlowQueueKey[] = queueRows.map((r) => ({ key: r.key, queued: Number(r.queued), starting: Number(r.starting) }));
  return { triggerID: triggerId, slots, queues };
}
