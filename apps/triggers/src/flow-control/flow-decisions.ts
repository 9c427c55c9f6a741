import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { EventEnvelope, FAILED_TRIGGER, TriggerPolicy } from '@wfp/contracts';
import { metrics, NewEvent } from '@wfp/platform';
import { insertOccurrences, OccurrenceRow } from '../matching/occurrence-records';
import { decisionEvent, lifecycleEvent } from '../matching/trigger-events';
import { debounce } from './debounce';
import { rateLimitParams } from './gcra';
import { rateLimited, seenWithinTtl } from './skip-checks';
import { concurrencyScopes, durationMs, fairKeyOf, FiringKeys, firingKeys, rateLimitScope, sharedDecisionScopes, singletonScope } from './policy-keys';
import { insertQueuedStarts, lockShared, lockTrigger, QueuedStartRow, returning } from './flow-store';
import { admitsDirectly } from './fast-admission';

/** A firing of a trigger with a policy, its vars evaluated, not started yet. */
export interface PolicyFiring {
  triggerId: string;
  workflowId: string;
  policy: TriggerPolicy;
  envelope: EventEnvelope;
  depth: number;
  variables: Record<string, string>;
  /** Fired by a replay (its id on the occurrence, the queued start and the instance's metadata). */
  replay?: { id: string; refire: boolean; forced: boolean };
}

export interface Decisions {
  /** Bus events of the decisions (written by the caller in the same transaction). */
  events: Array<NewEvent<Record<string, unknown>>>;
  /** Triggers with new queued starts (their admission should run after commit). */
  queuedTriggers: Set<string>;
  /** The new queued starts (inserted `queued`, but `direct`'s). */
  queued: QueuedStartRow[];
  /**
   * Of `queued`, those the fast path may admit (fast-admission.ts), NOT inserted yet: the caller
   * inserts them with admitWithRoom, last in the transaction (admitted or queued).
   */
  direct: QueuedStartRow[];
}

/**
 * The decisions taken when an event fires a trigger with a policy, in the matcher's record
 * transaction (so they are exactly once per (trigger, event), with the inbox and the
 * occurrence): idempotency, rate limit, singleton, debounce — each may skip the start, recorded
 * as an occurrence `skipped` with its reason — then the start is queued for admission
 * (concurrency, throttle, priority; see admission.service.ts). Per trigger, decisions that read
 * and change flow state (idempotency keys, rate-limit buckets, singleton slots, debounce timers)
 * are serialised across replicas by a transaction-scoped advisory lock; the state a rate limit or
 * a singleton of scope `workflow` shares with the workflow's other triggers by the shared owner's
 * lock (taken first, before any trigger lock: lockShared); a policy of only
 * concurrency, throttle and priority decides nothing here (every start is queued, admission
 * decides under the same lock after commit), so its matches take no lock and commit in parallel.
 */
export async function decide(m: EntityManager, firings: PolicyFiring[], now: Date): Promise<Decisions> {
  const queued: QueuedStartRow[] = [];
  const result: Decisions = { events: [], queuedTriggers: new Set(), queued, direct: [] };
  const occurrences: OccurrenceRow[] = [];
  const canceledInBatch = new Map<string, string>();
  const byTrigger = new Map<string, PolicyFiring[]>();
  for (const f of firings) byTrigger.set(f.triggerId, [...(byTrigger.get(f.triggerId) ?? []), f]);

  const occurrence = (f: PolicyFiring, outcome: string, reason: string | null, error: string | null = null): OccurrenceRow => {
    const row: OccurrenceRow = {
      id: randomUUID(),
      trigger_id: f.triggerId,
      event_id: f.envelope.id,
      date: now,
      event: f.envelope,
      workflow_instance_id: null,
      error,
      chain_depth: f.depth,
      outcome,
      reason,
      replay_id: f.replay?.id ?? null,
      refired_by: f.replay?.refire ? f.replay.id : null,
    };
    occurrences.push(row);
    return row;
  };
  const publish = (row: OccurrenceRow, extra: { canceledBy?: string } = {}) => {
    if (row.outcome === 'queued' && row.reason === null) return; // admission decides (started or queued with its reason)
    if (row.outcome === 'skipped' || row.outcome === 'queued') metrics.triggerFlowDecisions.inc({ trigger_id: row.trigger_id, outcome: row.outcome, reason: row.reason ?? '' });
    result.events.push(
      decisionEvent({ id: row.id, triggerID: row.trigger_id, eventID: row.event_id, outcome: row.outcome as 'queued', reason: row.reason ?? undefined, ...extra }, now),
    );
  };
  const at = now.getTime();

  await lockShared(m, firings.flatMap((f) => sharedDecisionScopes(f.policy, f.workflowId)));
  for (const triggerId of [...byTrigger.keys()].sort()) {
    if (readsDecisionState(byTrigger.get(triggerId)![0].policy)) await lockTrigger(m, triggerId);
    for (const f of byTrigger.get(triggerId)!) {
      const policy = f.policy;
      let keys: FiringKeys;
      try {
        keys = firingKeys(policy, f.envelope.payload, f.variables);
      } catch (error) {
        const row = occurrence(f, 'failed', null, (error as Error).message);
        result.events.push(lifecycleEvent(FAILED_TRIGGER, { id: row.id, triggerID: triggerId, error: row.error }, now));
        publish(row);
        continue;
      }
      const skip = (reason: string) => publish(occurrence(f, 'skipped', reason));

      if (policy.idempotency && keys.idempotencyKey !== null && (await seenWithinTtl(m, triggerId, keys.idempotencyKey, durationMs(policy.idempotency.ttl), at))) {
        skip('idempotent');
        continue;
      }
      if (
        policy.rate_limit &&
        keys.rateLimitKey !== null &&
        (await rateLimited(
          m,
          triggerId,
          rateLimitScope(policy.rate_limit, f.workflowId),
          keys.rateLimitKey,
          rateLimitParams(policy.rate_limit.limit, durationMs(policy.rate_limit.period)),
          at,
        ))
      ) {
        skip('rate_limited');
        continue;
      }

      let cancelInstances: string[] = [];
      if (policy.singleton && keys.singletonKey !== null) {
        // Running: a singleton slot (admitted, maybe not started yet), or a start still queued —
        // the trigger's own, or (scope `workflow`) those of every trigger sharing the singleton.
        const sharedBy = singletonScope(policy.singleton, f.workflowId);
        const running = await singletonHolders(m, triggerId, sharedBy, keys.singletonKey);
        const sameSingleton = (q: QueuedStartRow) =>
          q.singleton_key === keys.singletonKey && (sharedBy === '' ? q.trigger_id === triggerId && !q.singleton_scope : q.singleton_scope === sharedBy);
        const pendingHere = queued.filter(sameSingleton);
        if (policy.singleton.mode === 'skip' && (running.length > 0 || pendingHere.length > 0)) {
          skip('singleton');
          continue;
        }
        if (policy.singleton.mode === 'cancel') {
          const row = occurrence(f, 'queued', null);
          for (const other of pendingHere) {
            queued.splice(queued.indexOf(other), 1);
            const replaced = occurrences.find((o) => o.id === other.id)!;
            replaced.outcome = 'canceled';
            canceledInBatch.set(replaced.id, row.id);
            publish(replaced, { canceledBy: row.id });
          }
          if (running.length > 0) {
            // Whichever trigger of a shared singleton started it (its slot or queued row, by occurrence id).
            await m.query(`DELETE FROM triggers.flow_slots WHERE rule = -1 AND occurrence_id = ANY($1::uuid[])`, [
              running.filter((r) => !r.queued).map((r) => r.occurrence_id),
            ]);
            await m.query(`DELETE FROM triggers.flow_queue WHERE id = ANY($1::uuid[])`, [running.filter((r) => r.queued).map((r) => r.occurrence_id)]);
            const canceled = await returning<{ id: string; event_id: string; trigger_id: string }>(
              m,
              `UPDATE triggers.occurrences SET outcome = 'canceled', canceled_by = $2 WHERE id = ANY($1::uuid[]) RETURNING id, event_id, trigger_id`,
              [running.map((r) => r.occurrence_id), row.id],
            );
            for (const c of canceled) {
              result.events.push(decisionEvent({ id: c.id, triggerID: c.trigger_id, eventID: c.event_id, outcome: 'canceled', canceledBy: row.id }, now));
            }
            cancelInstances = running.flatMap((r) => (r.instance_id ? [r.instance_id] : []));
          }
          queued.push(queuedStart(f, row.id, keys, now, now, cancelInstances));
          result.queuedTriggers.add(triggerId);
          continue;
        }
      }

      if (policy.debounce && keys.debounceKey !== null) {
        const rule = { periodMs: durationMs(policy.debounce.period), timeoutMs: policy.debounce.timeout ? durationMs(policy.debounce.timeout) : undefined, use: policy.debounce.use };
        const inBatch = queued.find((q) => q.trigger_id === triggerId && q.debounce_key === keys.debounceKey && q.not_before.getTime() > at);
        const [stored]: Array<Pick<QueuedStartRow, 'id' | 'debounce_first_at' | 'not_before'>> = inBatch
          ? [inBatch]
          : await m.query(
              `SELECT id, debounce_first_at, not_before FROM triggers.flow_queue
                WHERE trigger_id = $1 AND debounce_key = $2 AND state = 'queued' AND not_before > $3
                ORDER BY not_before DESC LIMIT 1 FOR UPDATE`,
              [triggerId, keys.debounceKey, now],
            );
        const pending = stored ? { id: stored.id, firstAt: new Date(stored.debounce_first_at ?? stored.not_before).getTime(), dueAt: new Date(stored.not_before).getTime() } : undefined;
        const decision = debounce(pending, at, rule);
        if (decision.kind === 'extend') {
          if (inBatch) inBatch.not_before = new Date(decision.dueAt);
          else await m.query(`UPDATE triggers.flow_queue SET not_before = $2 WHERE id = $1`, [decision.pending, new Date(decision.dueAt)]);
          skip('debounced');
          continue;
        }
        if (decision.kind === 'replace') {
          if (inBatch) {
            queued.splice(queued.indexOf(inBatch), 1);
            const replaced = occurrences.find((o) => o.id === inBatch.id)!;
            replaced.outcome = 'skipped';
            replaced.reason = 'debounced';
            // Its queued(debounce) event is already in `result.events`: this is a second decision.
            publish(replaced);
          } else {
            await m.query(`DELETE FROM triggers.flow_queue WHERE id = $1`, [decision.replaced]);
            const [old] = await returning<{ event_id: string }>(
              m,
              `UPDATE triggers.occurrences SET outcome = 'skipped', reason = 'debounced' WHERE id = $1 RETURNING event_id`,
              [decision.replaced],
            );
            if (old) result.events.push(decisionEvent({ id: decision.replaced, triggerID: triggerId, eventID: old.event_id, outcome: 'skipped', reason: 'debounced' }, now));
            metrics.triggerFlowDecisions.inc({ trigger_id: triggerId, outcome: 'skipped', reason: 'debounced' });
          }
        }
        const row = occurrence(f, 'queued', 'debounce');
        publish(row);
        const start = queuedStart(f, row.id, keys, now, new Date(decision.dueAt), []);
        start.debounce_first_at = new Date(decision.firstAt);
        queued.push(start);
        result.queuedTriggers.add(triggerId);
        continue;
      }

      const row = occurrence(f, 'queued', null);
      queued.push(queuedStart(f, row.id, keys, now, now, []));
      result.queuedTriggers.add(triggerId);
    }
  }
  await insertOccurrences(m, occurrences);
  const policyOf = new Map(firings.map((f) => [f.triggerId, f.policy]));
  result.direct = queued.filter((q) => admitsDirectly(policyOf.get(q.trigger_id)) && q.not_before.getTime() <= at);
  const direct = new Set(result.direct);
  await insertQueuedStarts(m, queued.filter((q) => !direct.has(q)));
  if (canceledInBatch.size > 0) {
    await m.query(
      `UPDATE triggers.occurrences o SET canceled_by = c.by FROM unnest($1::uuid[], $2::uuid[]) AS c (id, by) WHERE o.id = c.id`,
      [[...canceledInBatch.keys()], [...canceledInBatch.values()]],
    );
  }
  return result;
}

/**
 * The starts holding a singleton's key: admitted ones (their slot, the instance maybe not started
 * yet) and queued ones — of the trigger (`sharedBy` `''`), or of every trigger sharing the
 * singleton (`sharedBy`: its shared owner, whose lock is held).
 */
async function singletonHolders(
  m: EntityManager,
  triggerId: string,
  sharedBy: string,
  key: string,
): Promise<Array<{ occurrence_id: string; instance_id: string | null; queued: boolean }>> {
  if (sharedBy === '') {
    return m.query(
      `SELECT occurrence_id, instance_id, false AS queued FROM triggers.flow_slots
        WHERE trigger_id = $1 AND rule = -1 AND scope = '' AND key = $2
       UNION ALL
       SELECT id, NULL, true FROM triggers.flow_queue WHERE trigger_id = $1 AND singleton_scope = '' AND singleton_key = $2 AND state = 'queued'`,
      [triggerId, key],
    );
  }
  return m.query(
    `SELECT occurrence_id, instance_id, false AS queued FROM triggers.flow_slots WHERE scope = $1 AND rule = -1 AND key = $2
     UNION ALL
     SELECT id, NULL, true FROM triggers.flow_queue WHERE singleton_scope = $1 AND singleton_key = $2 AND state = 'queued'`,
    [sharedBy, key],
  );
}

/**
 * Whether deciding reads flow state another match could change meanwhile. Without such a rule
 * the lock would only serialise the matcher's concurrent record transactions (their commits
 * included): docs/benchmarks.md, "Flow-control admission cost", has the measurement.
 */
export function readsDecisionState(policy: TriggerPolicy): boolean {
  return !!(policy.idempotency || policy.rate_limit || policy.singleton || policy.debounce);
}

function queuedStart(f: PolicyFiring, id: string, keys: FiringKeys, now: Date, notBefore: Date, cancelInstances: string[]): QueuedStartRow {
  return {
    id,
    trigger_id: f.triggerId,
    event_id: f.envelope.id,
    workflow_id: f.workflowId,
    variables: f.variables,
    chain_depth: f.depth,
    fair_key: fairKeyOf(keys),
    concurrency_keys: keys.concurrencyKeys,
    concurrency_limits: keys.concurrencyLimits,
    concurrency_scopes: concurrencyScopes(f.policy, f.workflowId),
    throttle_key: keys.throttleKey,
    singleton_key: keys.singletonKey,
    singleton_scope: singletonScope(f.policy.singleton, f.workflowId),
    debounce_key: keys.debounceKey,
    debounce_first_at: null,
    cancel_instances: cancelInstances,
    enqueued_at: now,
    ready_at: new Date(now.getTime() - keys.priorityMs),
    not_before: notBefore,
    replay_id: f.replay?.id ?? null,
    forced: f.replay?.forced ?? false,
  };
}
