import type { EntityManager } from 'typeorm';
import { TriggerPolicy } from '@wfp/contracts';
import { metrics, NewEvent } from '@wfp/platform';
import { decisionEvent } from '../matching/trigger-events';
import { AdmissionResult, slotBucket } from './fair-admission';
import { QueuedStartRow, returning } from './flow-store';

/**
 * What a concurrency rule does when its key is full (`on_full`), besides `queue` (the default:
 * the start waits its turn):
 * - `cancel_oldest`: before the round, the oldest running instances of the key are canceled
 *   (aborted by the start that replaces them, their occurrences `canceled` with `canceledBy`)
 *   to make room for the queued starts;
 * - `cancel_newest`: after the round, a start that found the key full is skipped (`concurrency`);
 * - `keep_newest_queued`: after the round, only the newest waiting start of the key stays queued,
 *   the older ones are skipped (`superseded`) — of a rule of scope `workflow`, the newest of the
 *   shared key across the triggers in the round.
 * `cancel_oldest` is refused with scope `workflow` (it would abort another trigger's instance).
 * `running` is keyed by slotBucket (fair-admission.ts).
 */
type Events = Array<NewEvent<Record<string, unknown>>>;

export async function cancelOldest(
  m: EntityManager,
  triggerId: string,
  policy: TriggerPolicy,
  rows: QueuedStartRow[],
  running: Map<string, number>,
  now: Date,
  events: Events,
): Promise<void> {
  for (const [rule, spec] of (policy.concurrency ?? []).entries()) {
    if (spec.on_full !== 'cancel_oldest' || spec.scope === 'workflow') continue;
    const byKey = new Map<string, QueuedStartRow[]>();
    for (const row of rows) byKey.set(row.concurrency_keys[rule], [...(byKey.get(row.concurrency_keys[rule]) ?? []), row]);
    for (const [key, queued] of byKey) {
      const held = running.get(slotBucket(triggerId, rule, key, '')) ?? 0;
      const excess = Math.min(held, held + queued.length - queued[0].concurrency_limits[rule]);
      if (excess <= 0) continue;
      const victims: Array<{ occurrence_id: string; instance_id: string }> = await m.query(
        `SELECT occurrence_id, instance_id FROM triggers.flow_slots
          WHERE trigger_id = $1 AND rule = $2 AND key = $3 AND scope = '' AND instance_id IS NOT NULL
          ORDER BY admitted_at, occurrence_id LIMIT $4`,
        [triggerId, rule, key, excess],
      );
      for (const [i, victim] of victims.entries()) {
        const by = queued[Math.min(i, queued.length - 1)];
        const freed = await returning<{ rule: number; key: string; scope: string }>(
          m,
          `DELETE FROM triggers.flow_slots WHERE occurrence_id = $1 RETURNING rule, key, scope`,
          [victim.occurrence_id],
        );
        for (const slot of freed) {
          const bucket = slotBucket(triggerId, slot.rule, slot.key, slot.scope);
          running.set(bucket, (running.get(bucket) ?? 1) - 1);
        }
        await m.query(`UPDATE triggers.flow_queue SET cancel_instances = array_append(cancel_instances, $2) WHERE id = $1`, [by.id, victim.instance_id]);
        by.cancel_instances = [...by.cancel_instances, victim.instance_id]; // the round's row too: admitted, it is started from it
        const [canceled] = await returning<{ event_id: string }>(
          m,
          `UPDATE triggers.occurrences SET outcome = 'canceled', canceled_by = $2 WHERE id = $1 RETURNING event_id`,
          [victim.occurrence_id, by.id],
        );
        if (canceled) events.push(decisionEvent({ id: victim.occurrence_id, triggerID: triggerId, eventID: canceled.event_id, outcome: 'canceled', canceledBy: by.id }, now));
      }
    }
  }
}

/** Skips the waiting starts `cancel_newest` and `keep_newest_queued` do not keep; returns their ids. */
export async function skipWaiting(
  m: EntityManager,
  policyOf: ReadonlyMap<string, TriggerPolicy>,
  waiting: AdmissionResult['waiting'],
  rows: Map<string, QueuedStartRow>,
  now: Date,
  events: Events,
): Promise<Set<string>> {
  const skipped = new Map<string, string>();
  const newest = new Map<string, { id: string; seq: number }>();
  for (const w of waiting) {
    if (w.reason !== 'concurrency' || w.rule === undefined) continue;
    const row = rows.get(w.start.id)!;
    const onFull = policyOf.get(row.trigger_id)?.concurrency?.[w.rule]?.on_full;
    if (onFull === 'cancel_newest') skipped.set(row.id, 'concurrency');
    if (onFull === 'keep_newest_queued') {
      const bucket = slotBucket(row.trigger_id, w.rule, row.concurrency_keys[w.rule], row.concurrency_scopes?.[w.rule]);
      const kept = newest.get(bucket);
      if (!kept || w.start.seq > kept.seq) {
        if (kept) skipped.set(kept.id, 'superseded');
        newest.set(bucket, { id: row.id, seq: w.start.seq });
      } else skipped.set(row.id, 'superseded');
    }
  }
  if (skipped.size === 0) return new Set();
  await m.query(`DELETE FROM triggers.flow_queue WHERE id = ANY($1::uuid[])`, [[...skipped.keys()]]);
  const updated = await returning<{ id: string; event_id: string; reason: string; trigger_id: string }>(
    m,
    `UPDATE triggers.occurrences o SET outcome = 'skipped', reason = s.reason
       FROM unnest($1::uuid[], $2::text[]) AS s (id, reason) WHERE o.id = s.id
     RETURNING o.id, o.event_id, o.reason, o.trigger_id`,
    [[...skipped.keys()], [...skipped.values()]],
  );
  for (const row of updated) {
    metrics.triggerFlowDecisions.inc({ trigger_id: row.trigger_id, outcome: 'skipped', reason: row.reason });
    events.push(decisionEvent({ id: row.id, triggerID: row.trigger_id, eventID: row.event_id, outcome: 'skipped', reason: row.reason }, now));
  }
  return new Set(skipped.keys());
}
