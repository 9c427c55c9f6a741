/**
 * A trigger's flow-control state now (the `flow-state` command): per (rule, key) the starts
 * holding a slot and the starts queued for it, per admission key the queued and starting
 * starts — read from `flow_slots` and `flow_queue` (no lock: a snapshot for people, not for
 * decisions).
 */
import type { EntityManager, DataSource } from 'typeorm';
import type { FlowQueueKey, FlowSlotKey, TriggerFlowState } from '@wfp/contracts';

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
  const slotRows: SlotRow[] = await db.query(
    `WITH held AS (
       SELECT rule, key, count(*) AS running, count(*) FILTER (WHERE active) AS active
         FROM triggers.flow_slots WHERE trigger_id = $1 GROUP BY rule, key),
     waiting AS (
       SELECT (k.ord - 1)::int AS rule, k.key, count(*) AS queued
         FROM triggers.flow_queue q, unnest(q.concurrency_keys) WITH ORDINALITY AS k(key, ord)
        WHERE q.trigger_id = $1 AND q.state = 'queued' GROUP BY 1, 2)
     SELECT coalesce(h.rule, w.rule) AS rule, coalesce(h.key, w.key) AS key,
            coalesce(h.running, 0) AS running, coalesce(h.active, 0) AS active, coalesce(w.queued, 0) AS queued
       FROM held h FULL JOIN waiting w ON w.rule = h.rule AND w.key = h.key
      ORDER BY 1, 2`,
    [triggerId],
  );
  const queueRows: QueueRow[] = await db.query(
    `SELECT fair_key AS key, count(*) FILTER (WHERE state = 'queued') AS queued, count(*) FILTER (WHERE state = 'starting') AS starting
       FROM triggers.flow_queue WHERE trigger_id = $1 GROUP BY fair_key ORDER BY fair_key`,
    [triggerId],
  );
  const slots: FlowSlotKey[] = slotRows.map((r) => ({ rule: Number(r.rule), key: r.key, running: Number(r.running), active: Number(r.active), queued: Number(r.queued) }));
  const queues: FlowQueueKey[] = queueRows.map((r) => ({ key: r.key, queued: Number(r.queued), starting: Number(r.starting) }));
  return { triggerID: triggerId, slots, queues };
}
