import type { EntityManager } from 'typeorm';
import { TriggerPolicy } from '@wfp/contracts';
import { metrics, NewEvent } from '@wfp/platform';
import { decisionEvent } from '../matching/trigger-events';
import { admit, QueuedStart, slotBucket } from './fair-admission';
import {
  admissionCandidates,
  lockShared,
  lockTrigger,
  lockTriggers,
  lockWorkflow,
  QueuedStartRow,
  returning,
  saveSharedThrottleBuckets,
  saveThrottleBuckets,
  slotsHeld,
  takeSlots,
  throttleBuckets,
} from './flow-store';
import { GcraParams, throttleParams } from './gcra';
import { cancelOldest, skipWaiting } from './on-full';
import { concurrencyScope, durationMs, sharesAdmission, singletonScope, throttleScope } from './policy-keys';

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
 * the shared ones per scope and key) and throttle. A throttle of scope `workflow` makes its trigger
 * a member too: its bucket is one per (shared owner, key), and its queued starts of a key are one
 * FIFO across the triggers sharing it (their fairness key, without a concurrency rule).
 *
 * A member whose singleton is of scope `workflow` takes that singleton's shared lock (after the
 * workflow's, before the trigger locks, as the matcher's decisions take it): a singleton `cancel`
 * of another trigger never deletes a start this round is admitting.
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
  if (trigger && !trigger.queued && !sharesAdmission(trigger.policy)) return { events: [], admitted: [] };
  const workflowId = trigger?.workflow_id ?? '';
  let members: Member[] = [{ id: triggerId, policy: trigger?.policy ?? {} }];
  const singletonLocks = (list: Member[]) => list.map((t) => singletonScope(t.policy.singleton, workflowId)).filter((scope) => scope !== '');
  if (trigger && sharesAdmission(trigger.policy)) {
    await lockWorkflow(m, workflowId);
    const sharing: Array<{ id: string; policy: TriggerPolicy }> = await m.query(
      `SELECT id, policy FROM triggers.triggers
        WHERE workflow_id = $1 AND deleted_at IS NULL AND policy IS NOT NULL AND id <> $2
          AND (policy->'concurrency' @> '[{"scope": "workflow"}]' OR policy->'throttle'->>'scope' = 'workflow')`,
      [workflowId, triggerId],
    );
    members = [...members, ...sharing.filter((t) => sharesAdmission(t.policy))];
    await lockShared(m, singletonLocks(members));
    await lockTriggers(m, members.map((t) => t.id));
  } else {
    await lockShared(m, singletonLocks(members));
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
    for (const t of members) for (const rule of t.policy.concurrency ?? []) if (rule.scope === 'workflow') sharedHold.set(concurrencyScope(rule, workflowId), rule.hold);
  }
  const scopes = [...new Set(rows.flatMap((r) => (r.concurrency_scopes ?? []).filter((s) => s !== '')))];
  const running = new Map(
    (await slotsHeld(m, ids, scopes)).map((s) => {
      const hold = s.scope ? sharedHold.get(s.scope) : policyOf.get(s.trigger_id!)?.concurrency?.[s.rule!]?.hold;
      return [slotBucket(s.trigger_id ?? '', s.rule ?? 0, s.key, s.scope), hold === 'active' ? s.active : s.held];
    }),
  );
  // Throttle buckets: a trigger's own per (trigger, key), a shared throttle's per (shared owner, key).
  const throttleScopeOf = new Map(members.map((t) => [t.id, throttleScope(t.policy.throttle, workflowId)]));
  const throttleOwners = new Map<string, { triggerId: string; scope: string; key: string }>();
  const throttleOf = (triggerId: string, scope: string, key: string) => {
    const bucket = scope ? `s\u0000${scope}\u0000${key}` : `t\u0000${triggerId}\u0000${key}`;
    throttleOwners.set(bucket, { triggerId, scope, key });
    return bucket;
  };
  const throttledOwn = members.filter((t) => t.policy.throttle && !throttleScopeOf.get(t.id)).map((t) => t.id);
  const throttledShared = [...new Set(members.map((t) => throttleScopeOf.get(t.id)!).filter((scope) => scope !== ''))];
  const throttle = new Map(
    (throttledOwn.length + throttledShared.length > 0 ? await throttleBuckets(m, throttledOwn, throttledShared) : []).map((b) => [
      throttleOf(b.trigger_id ?? '', b.scope, b.key),
      new Date(b.tat).getTime(),
    ]),
  );
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
    const sharedThrottle = throttleScopeOf.get(r.trigger_id) ?? '';
    const throttleKey = r.throttle_key === null ? null : throttleOf(r.trigger_id, sharedThrottle, r.throttle_key);
    return {
      id: r.id,
      seq: Number(r.seq),
      // Round robin across keys: a shared first rule's key, or a shared throttle's key without
      // concurrency rules, is one key across the members (FIFO across them within it).
      fairKey: buckets[0] ?? (sharedThrottle && throttleKey !== null ? throttleKey : `t\u0000${r.trigger_id}\u0000${r.fair_key}`),
      readyAt: new Date(r.ready_at).getTime(),
      concurrencyKeys: r.concurrency_keys,
      concurrencyLimits: r.concurrency_limits,
      slotKeys: buckets,
      throttleKey,
      throttleParams: throttleParamsOf.get(r.trigger_id),
    };
  });
  const result = admit(starts, { running, throttle }, now.getTime());
  const admitted = await takeSlots(m, result.admitted.map((s) => byId.get(s.id)!), now);
  await saveThrottle(m, result.throttle, throttleOwners);
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

/** Saves the throttle TATs a round changed, each in its owner's bucket (a trigger's own, or shared). */
async function saveThrottle(m: EntityManager, tats: Map<string, number>, owners: Map<string, { triggerId: string; scope: string; key: string }>): Promise<void> {
  const own = new Map<string, Map<string, number>>();
  const shared = new Map<string, Map<string, number>>();
  for (const [bucket, tat] of tats) {
    const owner = owners.get(bucket)!;
    const byOwner = owner.scope ? shared : own;
    const id = owner.scope || owner.triggerId;
    byOwner.set(id, (byOwner.get(id) ?? new Map<string, number>()).set(owner.key, tat));
  }
  for (const [triggerId, keys] of own) await saveThrottleBuckets(m, triggerId, keys);
  for (const [scope, keys] of shared) await saveSharedThrottleBuckets(m, scope, keys);
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
