import type { EntityManager } from 'typeorm';
import { TriggerPolicy } from '@wfp/contracts';
import { metrics, NewEvent } from '@wfp/platform';
import { decisionEvent } from '../matching/trigger-events';
import { admit, QueuedStart, slotKey } from './fair-admission';
import { admissionCandidates, lockTrigger, QueuedStartRow, returning, saveThrottleBuckets, slotsHeld, takeSlots, throttleBuckets } from './flow-store';
import { throttleParams } from './gcra';
import { cancelOldest, skipWaiting } from './on-full';
import { durationMs } from './policy-keys';

/**
 * An admission round of one trigger (see admission.service.ts for when it runs): under the
 * trigger's advisory lock, the queued starts that may start now become `starting` with their
 * slots (fair-admission.ts decides), `on_full` strategies apply (on-full.ts), and each start
 * left waiting records why, once per reason (an occurrence `queued` with its reason).
 */
type Events = Array<NewEvent<Record<string, unknown>>>;

/** Queued starts of one fairness key read per admission round (every key gets a turn). */
const PER_KEY = 100;

/** One round under the trigger's lock: its decisions' events, and when to look again (throttle, debounce). */
export async function admissionRound(m: EntityManager, triggerId: string, now: Date): Promise<{ wake?: number; events: Events }> {
  await lockTrigger(m, triggerId);
  const [trigger]: Array<{ policy: TriggerPolicy | null; deleted: boolean }> = await m.query(
    `SELECT policy, deleted_at IS NOT NULL AS deleted FROM triggers.triggers WHERE id = $1`,
    [triggerId],
  );
  if (!trigger || trigger.deleted) return { events: await skipQueuedOfDeleted(m, triggerId, now) };
  const policy = trigger.policy ?? {};
  const [{ next }]: Array<{ next: Date | null }> = await m.query(
    `SELECT min(not_before) AS next FROM triggers.flow_queue WHERE trigger_id = $1 AND state = 'queued' AND not_before > $2`,
    [triggerId, now],
  );
  let wake = next ? new Date(next).getTime() : undefined;
  const rows = await admissionCandidates(m, triggerId, now, PER_KEY);
  if (rows.length === 0) return { wake, events: [] };
  // `hold: active` counts only the slots whose instance is in an acting stage.
  const running = new Map(
    (await slotsHeld(m, triggerId)).map((s) => [slotKey(s.rule, s.key), policy.concurrency?.[s.rule]?.hold === 'active' ? s.active : s.held]),
  );
  const throttle = new Map((await throttleBuckets(m, triggerId)).map((b) => [b.key, new Date(b.tat).getTime()]));
  const byId = new Map<string, QueuedStartRow>(rows.map((r) => [r.id, r]));
  const events: Events = [];
  await cancelOldest(m, triggerId, policy, rows, running, now, events);
  const starts: QueuedStart[] = rows.map((r) => ({
    id: r.id,
    seq: Number(r.seq),
    fairKey: r.fair_key,
    readyAt: new Date(r.ready_at).getTime(),
    concurrencyKeys: r.concurrency_keys,
    concurrencyLimits: r.concurrency_limits,
    throttleKey: r.throttle_key,
  }));
  const result = admit(
    starts,
    { running, throttle, throttleParams: policy.throttle ? throttleParams(policy.throttle.limit, durationMs(policy.throttle.period), policy.throttle.burst) : undefined },
    now.getTime(),
  );
  await takeSlots(m, result.admitted.map((s) => byId.get(s.id)!), now);
  await saveThrottleBuckets(m, triggerId, result.throttle);
  if (result.wakeAt !== undefined) wake = Math.min(wake ?? Infinity, result.wakeAt);

  const skipped = await skipWaiting(m, triggerId, policy, result.waiting, byId, now, events);
  const waiting = result.waiting.filter((w) => !skipped.has(w.start.id));
  // Why the others wait: one `queued` decision per occurrence and reason.
  const markQueued = async (ids: string[] | null, reason: string) => {
    const marked = await returning<{ id: string; event_id: string }>(
      m,
      ids === null
        ? `UPDATE triggers.occurrences o SET reason = $2
             FROM triggers.flow_queue q
            WHERE q.trigger_id = $1 AND q.state = 'queued' AND q.not_before <= $3 AND o.id = q.id AND o.reason IS NULL
              AND q.fair_key = ANY($4::text[])
           RETURNING o.id, o.event_id`
        : `UPDATE triggers.occurrences SET reason = $2
            WHERE id = ANY($1::uuid[]) AND outcome = 'queued' AND reason IS DISTINCT FROM $2
           RETURNING id, event_id`,
      ids === null ? [triggerId, reason, now, [...new Set(waiting.map((w) => w.start.fairKey))]] : [ids, reason],
    );
    for (const row of marked) {
      metrics.triggerFlowDecisions.inc({ trigger_id: triggerId, outcome: 'queued', reason });
      events.push(decisionEvent({ id: row.id, triggerID: triggerId, eventID: row.event_id, outcome: 'queued', reason }, now));
    }
  };
  for (const reason of ['concurrency', 'throttle'] as const) {
    const ids = waiting.filter((w) => w.reason === reason).map((w) => w.start.id);
    if (ids.length > 0) await markQueued(ids, reason);
  }
  // Starts beyond this round's window wait for the same reason as their key's heads — only those of
  // keys whose heads wait: a start recorded after this round read its rows, of a key with room, is
  // not marked (the next round admits it, it never waited for a slot).
  if (waiting.length > 0) await markQueued(null, policy.concurrency ? 'concurrency' : 'throttle');
  return { wake, events };
}

/**
 * A deleted trigger starts nothing more: its queued starts (debounce timers included) are
 * skipped with reason `trigger_deleted`, once each. Starts already admitted (`starting`) go on:
 * their slots are taken and the orchestrator may have started them.
 */
async function skipQueuedOfDeleted(m: EntityManager, triggerId: string, now: Date): Promise<Events> {
  const skipped = await returning<{ id: string; event_id: string }>(
    m,
    `WITH gone AS (DELETE FROM triggers.flow_queue WHERE trigger_id = $1 AND state = 'queued' RETURNING id)
     UPDATE triggers.occurrences o SET outcome = 'skipped', reason = 'trigger_deleted'
       FROM gone WHERE o.id = gone.id
     RETURNING o.id, o.event_id`,
    [triggerId],
  );
  return skipped.map((row) => {
    metrics.triggerFlowDecisions.inc({ trigger_id: triggerId, outcome: 'skipped', reason: 'trigger_deleted' });
    return decisionEvent({ id: row.id, triggerID: triggerId, eventID: row.event_id, outcome: 'skipped', reason: 'trigger_deleted' }, now);
  });
}
