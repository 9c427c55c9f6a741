import type { EntityManager } from 'typeorm';
import { TriggerPolicy } from '@wfp/contracts';
import { metrics, NewEvent } from '@wfp/platform';
import { decisionEvent } from '../matching/trigger-events';
import { admit, QueuedStart, slotBucket } from './fair-admission';
import {
  admissionCandidates,
  lockTrigger,
  lockTriggers,
  lockWorkflow,
  QueuedStartRow,
  returning,
  saveThrottleBuckets,
  slotsHeld,
  takeSlots,
  throttleBuckets,
} from './flow-store';
import { GcraParams, throttleParams } from './gcra';
import { cancelOldest, skipWaiting } from './on-full';
import { concurrencyScope, durationMs, sharesSlots } from './policy-keys';

/**
 * An admission round of one trigger (see admission.service.ts for when it runs): under the
 * trigger's advisory lock, the queued starts that may start now become `starting` with their
 * slots (fair-admission.ts decides), `on_full` strategies apply (on-full.ts), and each start
 * left waiting records why, once per reason (an occurrence `queued` with its reason).
 *
 * A trigger with a concurrency rule of scope `workflow` shares slots with the other triggers of
 * its workflow: its round is the round of every trigger of the workflow with such a rule (the
 * members), under the workflow's lock then every member's lock (in id order), over the queued
 * starts of all of them — so a shared slot freed by either admits the fairest start of either.
 * Each start is still checked against its own trigger's rules (its own slots per trigger and rule,
 * the shared ones per scope and key) and throttle.
 */
type Events = Array<NewEvent<Record<string, unknown>>>;

/** Queued starts of one fairness key (per trigger) read per admission round (every key gets a turn). */
const PER_KEY = 100;

interface Member {
  id: string;
  policy: TriggerPolicy;
}

/**
 * One round under the lock(s): its decisions' events, when to look again (throttle, debounce),
 * and the starts it admitted, now `starting` with their slots (other members' too), as
 * startingStarts reads them: the caller starts them after commit.
 */
export async function admissionRound(m: EntityManager, triggerId: string, now: Date): Promise<{ wake?: number; events: Events; admitted: QueuedStartRow[] }> {
  // A trigger's policy and workflow never change: read before the locks, to know which to take.
  // Nothing queued (the fast path admitted it, or a freed slot has no one waiting): no round, no lock.
  const [trigger]: Array<{ policy: TriggerPolicy | null; workflow_id: string; queued: boolean }> = await m.query(
    `SELECT policy, workflow_id, EXISTS (SELECT 1 FROM triggers.flow_queue q WHERE q.trigger_id = $1 AND q.state = 'queued') AS queued
       FROM triggers.triggers WHERE id = $1`,
    [triggerId],
  );
  // A new queued start kicks a round after its commit (one running meanwhile runs again): none is missed.
  if (trigger && !trigger.queued && !sharesSlots(trigger.policy)) return { events: [], admitted: [] };
  let members: Member[] = [{ id: triggerId, policy: trigger?.policy ?? {} }];
  if (trigger && sharesSlots(trigger.policy)) {
    await lockWorkflow(m, trigger.workflow_id);
    const sharing: Array<{ id: string; policy: TriggerPolicy }> = await m.query(
      `SELECT id, policy FROM triggers.triggers
        WHERE workflow_id = $1 AND deleted_at IS NULL AND policy IS NOT NULL AND id <> $2 AND policy->'concurrency' @> '[{"scope": "workflow"}]'`,
      [trigger.workflow_id, triggerId],
    );
    members = [...members, ...sharing.filter((t) => sharesSlots(t.policy))];
    await lockTriggers(m, members.map((t) => t.id));
  } else {
    await lockTrigger(m, triggerId);
  }
  const [state]: Array<{ deleted: boolean }> = await m.query(`SELECT deleted_at IS NOT NULL AS deleted FROM triggers.triggers WHERE id = $1`, [triggerId]);
  if (!state || state.deleted) return { events: await skipQueuedOfDeleted(m, triggerId, now), admitted: [] };
  const ids = members.map((t) => t.id);
  const policyOf = new Map(members.map((t) => [t.id, t.policy]));

  const { rows, next } = await admissionCandidates(m, ids, now, PER_KEY);
  let wake = next ? new Date(next).getTime() : undefined;
  if (rows.length === 0) return { wake, events: [], admitted: [] };

  // `hold: active` counts only the slots whose instance is in an acting stage (a shared rule's hold is part of its identity).
  const sharedHold = new Map<string, string>();
  if (trigger) {
    for (const t of members) for (const rule of t.policy.concurrency ?? []) if (rule.scope === 'workflow') sharedHold.set(concurrencyScope(rule, trigger.workflow_id), rule.hold);
  }
  const scopes = [...new Set(rows.flatMap((r) => (r.concurrency_scopes ?? []).filter((s) => s !== '')))];
  const running = new Map(
    (await slotsHeld(m, ids, scopes)).map((s) => {
      const hold = s.scope ? sharedHold.get(s.scope) : policyOf.get(s.trigger_id!)?.concurrency?.[s.rule!]?.hold;
      return [slotBucket(s.trigger_id ?? '', s.rule ?? 0, s.key, s.scope), hold === 'active' ? s.active : s.held];
    }),
  );
  // Throttle buckets are per trigger: keyed by trigger and key in this round.
  const throttleOf = (t: string, key: string) => `${t}\u0000${key}`;
  const throttled = members.filter((t) => t.policy.throttle).map((t) => t.id);
  const throttle = new Map((throttled.length > 0 ? await throttleBuckets(m, throttled) : []).map((b) => [throttleOf(b.trigger_id, b.key), new Date(b.tat).getTime()]));
  const throttleParamsOf = new Map<string, GcraParams>();
  for (const t of members) {
    if (t.policy.throttle) throttleParamsOf.set(t.id, throttleParams(t.policy.throttle.limit, durationMs(t.policy.throttle.period), t.policy.throttle.burst));
  }

  const byId = new Map<string, QueuedStartRow>(rows.map((r) => [r.id, r]));
  const events: Events = [];
  for (const t of members) {
    const own = rows.filter((r) => r.trigger_id === t.id);
    if (own.length > 0) await cancelOldest(m, t.id, t.policy, own, running, now, events);
  }
  const bucketsOf = (r: QueuedStartRow) => r.concurrency_keys.map((key, rule) => slotBucket(r.trigger_id, rule, key, r.concurrency_scopes?.[rule]));
  const starts: QueuedStart[] = rows.map((r) => {
    const buckets = bucketsOf(r);
    return {
      id: r.id,
      seq: Number(r.seq),
      // Round robin across keys: a shared first rule's key is one key across the members.
      fairKey: buckets[0] ?? `t\u0000${r.trigger_id}\u0000${r.fair_key}`,
      readyAt: new Date(r.ready_at).getTime(),
      concurrencyKeys: r.concurrency_keys,
      concurrencyLimits: r.concurrency_limits,
      slotKeys: buckets,
      throttleKey: r.throttle_key === null ? null : throttleOf(r.trigger_id, r.throttle_key),
      throttleParams: throttleParamsOf.get(r.trigger_id),
    };
  });
  const result = admit(starts, { running, throttle }, now.getTime());
  const admitted = await takeSlots(m, result.admitted.map((s) => byId.get(s.id)!), now);
  for (const t of members) {
    const prefix = throttleOf(t.id, '');
    const tats = new Map([...result.throttle].filter(([k]) => k.startsWith(prefix)).map(([k, tat]) => [k.slice(prefix.length), tat]));
    await saveThrottleBuckets(m, t.id, tats);
  }
  if (result.wakeAt !== undefined) wake = Math.min(wake ?? Infinity, result.wakeAt);

  const skipped = await skipWaiting(m, policyOf, result.waiting, byId, now, events);
  const waiting = result.waiting.filter((w) => !skipped.has(w.start.id));
  // Why the others wait: one `queued` decision per occurrence and reason.
  const marked = async (rowsMarked: Array<{ id: string; event_id: string; trigger_id: string }>, reason: string) => {
    for (const row of rowsMarked) {
      metrics.triggerFlowDecisions.inc({ trigger_id: row.trigger_id, outcome: 'queued', reason });
      events.push(decisionEvent({ id: row.id, triggerID: row.trigger_id, eventID: row.event_id, outcome: 'queued', reason }, now));
    }
  };
  for (const reason of ['concurrency', 'throttle'] as const) {
    const waitingIds = waiting.filter((w) => w.reason === reason).map((w) => w.start.id);
    if (waitingIds.length === 0) continue;
    await marked(
      await returning(
        m,
        `UPDATE triggers.occurrences SET reason = $2
          WHERE id = ANY($1::uuid[]) AND outcome = 'queued' AND reason IS DISTINCT FROM $2
         RETURNING id, event_id, trigger_id`,
        [waitingIds, reason],
      ),
      reason,
    );
  }
  // Starts beyond this round's window wait for the same reason as their key's heads — only those of
  // keys whose heads wait: a start recorded after this round read its rows, of a key with room, is
  // not marked (the next round admits it, it never waited for a slot).
  for (const t of members) {
    const keys = [...new Set(waiting.map((w) => byId.get(w.start.id)!).filter((r) => r.trigger_id === t.id).map((r) => r.fair_key))];
    if (keys.length === 0) continue;
    const reason = t.policy.concurrency ? 'concurrency' : 'throttle';
    await marked(
      await returning(
        m,
        `UPDATE triggers.occurrences o SET reason = $2
           FROM triggers.flow_queue q
          WHERE q.trigger_id = $1 AND q.state = 'queued' AND q.not_before <= $3 AND o.id = q.id AND o.reason IS NULL
            AND q.fair_key = ANY($4::text[])
         RETURNING o.id, o.event_id, o.trigger_id`,
        [t.id, reason, now, keys],
      ),
      reason,
    );
  }
  return { wake, events, admitted };
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
