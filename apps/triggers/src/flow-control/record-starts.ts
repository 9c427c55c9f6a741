import type { EntityManager } from 'typeorm';
import { EventEnvelope, FAILED_TRIGGER, isBillingEventType, isPausedRefusal, StartManyItemResult, SUCCEEDED_TRIGGER } from '@wfp/contracts';
import { metrics, NewEvent } from '@wfp/platform';
import { decisionEvent, lifecycleEvent } from '../matching/trigger-events';
import { eventRecordFor, insertWorkflowTrigger } from '../workflow-triggers/workflow-trigger-records';
import { QueuedStartRow, recordStartedSlots, returning } from './flow-store';

/**
 * After a start-many of admitted starts: each started instance is recorded on its occurrence
 * (`started`, SUCCEEDED_TRIGGER, and a billing event's Solvimon EVENT record) and its slots; a final failure (unknown workflow, invalid
 * variables, a workflow paused in drop mode) frees its slots and fails the occurrence (FAILED_TRIGGER); a retryable one stays
 * `starting`. The first transaction to delete a start records it (another replica may have
 * started the same start: same idempotency key, same instance), so each is recorded once.
 */

/** Records started instances and final failures (with their events); `retry` when some must be started again. */
export async function recordStarts(
  m: EntityManager,
  triggerId: string,
  rows: QueuedStartRow[],
  results: StartManyItemResult[],
  now: Date,
): Promise<{ retry: boolean; events: Array<NewEvent<Record<string, unknown>>>; abort: string[]; freedRoom: boolean }> {
  const final = rows.flatMap((row, i): Array<{ row: QueuedStartRow; instanceId?: string; error?: string }> => {
    const r = results[i];
    if (r.ok) return [{ row, instanceId: r.data.id }];
    if (r.error.code === 'NOT_FOUND' || r.error.code === 'VALIDATION' || isPausedRefusal(r.error)) return [{ row, error: r.error.message }];
    return [];
  });
  // The first to delete a start records it (another replica may have started it too). A start
  // canceled while it was being started (singleton `cancel`) stays canceled: its instance is aborted.
  const recordStarted = (ids: string[], instanceIds: string[], deleting: string) =>
    returning<{ id: string; outcome: string | null; event: EventEnvelope | null }>(
      m,
      `WITH mine AS (${deleting}),
            recorded AS (
              UPDATE triggers.occurrences o
                 SET outcome = CASE WHEN o.outcome = 'canceled' THEN 'canceled' ELSE 'started' END, workflow_instance_id = s.instance_id
                FROM unnest($1::uuid[], $2::text[]) AS s (id, instance_id) JOIN mine ON mine.id = s.id WHERE o.id = s.id
              RETURNING o.id, o.outcome, o.event)
       SELECT mine.id, r.outcome, r.event FROM mine LEFT JOIN recorded r ON r.id = mine.id`,
      [ids, instanceIds],
    );
  const events: Array<NewEvent<Record<string, unknown>>> = [];
  const abort: string[] = [];
  let freedRoom = false;
  let started: typeof final;
  let failed: typeof final;
  let outcomes: Array<{ id: string; outcome: string | null; event: EventEnvelope | null }> = [];
  if (final.length > 0 && final.every((f) => f.instanceId)) {
    // Every start started (the usual case): the delete and the record in one statement.
    outcomes = await recordStarted(
      final.map((f) => f.row.id),
      final.map((f) => f.instanceId!),
      `DELETE FROM triggers.flow_queue WHERE id = ANY($1::uuid[]) AND state = 'starting' RETURNING id`,
    );
    const mine = new Set(outcomes.map((o) => o.id));
    started = final.filter((f) => mine.has(f.row.id));
    failed = [];
  } else {
    const deleted = await returning<{ id: string }>(m, `DELETE FROM triggers.flow_queue WHERE id = ANY($1::uuid[]) AND state = 'starting' RETURNING id`, [
      final.map((f) => f.row.id),
    ]);
    const mine = new Set(deleted.map((d) => d.id));
    started = final.filter((f) => mine.has(f.row.id) && f.instanceId);
    failed = final.filter((f) => mine.has(f.row.id) && !f.instanceId);
    if (started.length > 0) {
      outcomes = await recordStarted(
        started.map((s) => s.row.id),
        started.map((s) => s.instanceId!),
        `SELECT id FROM unnest($1::uuid[]) AS id`,
      );
    }
  }
  if (started.length > 0) {
    const canceled = new Set(outcomes.filter((o) => o.outcome === 'canceled').map((o) => o.id));
    const eventOf = new Map(outcomes.map((o) => [o.id, o.event]));
    freedRoom = await recordStartedSlots(m, started.map((s) => ({ occurrenceId: s.row.id, instanceId: s.instanceId! })));
    for (const s of started) {
      if (canceled.has(s.row.id)) {
        abort.push(s.instanceId!);
        continue;
      }
      metrics.triggerMatches.inc({ result: 'started' });
      events.push(lifecycleEvent(SUCCEEDED_TRIGGER, { id: s.row.id, triggerID: triggerId, workflowInstanceID: s.instanceId }, now));
      events.push(decisionEvent({ id: s.row.id, triggerID: triggerId, eventID: s.row.event_id, outcome: 'started', workflowInstanceID: s.instanceId }, now));
      // A billing event's Solvimon EVENT record, as for a trigger without a policy (matcher.service.ts).
      const envelope = eventOf.get(s.row.id);
      if (envelope && isBillingEventType(envelope.type)) {
        const record = eventRecordFor(envelope, s.row.workflow_id, s.instanceId!, s.row.id, now);
        if (record) await insertWorkflowTrigger(m, record);
      }
    }
  }
  if (failed.length > 0) {
    await m.query(`DELETE FROM triggers.flow_slots WHERE occurrence_id = ANY($1::uuid[])`, [failed.map((f) => f.row.id)]);
    await m.query(
      `UPDATE triggers.occurrences o SET outcome = 'failed', error = f.error FROM unnest($1::uuid[], $2::text[]) AS f (id, error) WHERE o.id = f.id`,
      [failed.map((f) => f.row.id), failed.map((f) => f.error)],
    );
    for (const f of failed) {
      metrics.triggerMatches.inc({ result: 'failed' });
      events.push(lifecycleEvent(FAILED_TRIGGER, { id: f.row.id, triggerID: triggerId, error: f.error }, now));
      events.push(decisionEvent({ id: f.row.id, triggerID: triggerId, eventID: f.row.event_id, outcome: 'failed' }, now));
    }
  }
  return { retry: final.length < rows.length, events, abort, freedRoom };
}
