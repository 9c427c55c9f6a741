import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { PinoLogger } from 'nestjs-pino';
import {
  EventEnvelope,
  FAILED_TRIGGER,
  isBillingEventType,
  isPausedRefusal,
  isUuid,
  OCCURRENCE_DECISION_EVENT_PREFIX,
  StartInstanceRequestInput,
  SUCCEEDED_TRIGGER,
  TRIGGER_EVENTS_APP,
} from '@wfp/contracts';
import { APP_CONFIG, Clock, CLOCK, DeliveredEvent, EventOutcome, EventPublisher, inSpan, metrics, NewEvent, recordInbox, TraceContext } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { TRIGGERS_SCHEMA } from '../database/schema';
import { evaluateFilterIn, evaluateVarsIn, eventContext } from '@wfp/expressions';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
import { AdmissionService } from '../flow-control/admission.service';
import { decide, PolicyFiring } from '../flow-control/flow-decisions';
import { admitWithRoom } from '../flow-control/fast-admission';
import { InstanceEvents } from '../flow-control/instance-events';
import { eventRecordFor, insertWorkflowTrigger } from '../workflow-triggers/workflow-trigger-records';
import { Candidate, CandidateCache } from './candidate-cache';
import { chainDepths, insertOccurrences, OccurrenceRow, recordOccurrencesAtOnce } from './occurrence-records';
import { decisionEvent, lifecycleEvent, replayStartKey, startKey, triggerStartFields } from './trigger-events';
import { MATCHING_CONSUMER } from './matching-sources';

export { MATCHING_CONSUMER };


export { startKey };

/** One trigger fired by one event: planned, started, then recorded as an occurrence. */
interface Firing {
  trigger: Candidate;
  envelope: EventEnvelope;
  depth: number;
  /** The event's consumer span, when tracing is on. */
  trace?: TraceContext;
  variables?: Record<string, string>;
  instanceId?: string;
  /** A final failure (vars error, unknown workflow): recorded as a failed occurrence. */
  error?: string;
  /** A start the orchestrator refused for good without a failure (the workflow is paused, drop mode): a skipped occurrence. */
  skipped?: 'paused';
  /** Fired by a replay (replays/): its id goes in the occurrence and the instance's metadata. */
  replay?: ReplayFiring;
}

/**
 * A replay's firing of a (trigger, event) pair. `refire`: an earlier occurrence of the pair
 * exists (forced, or a `skipped(paused)` one): the occurrence is another row (`refired_by`).
 * `forced`: the instance is a new one (its own idempotency key), not the pair's.
 */
export interface ReplayFiring {
  id: string;
  refire: boolean;
  forced: boolean;
}

/** A trigger whose filter matched an event, with its vars evaluated (or their error). */
export interface Match {
  trigger: Candidate;
  envelope: EventEnvelope;
  depth: number;
  variables?: Record<string, string>;
  error?: string;
}

/**
 * Matches batches of bus events against the triggers and records what they fired.
 *
 * Order of effects — start first, then record (see docs/triggers-pipeline.md):
 *   1. outside any transaction: candidates (cached), the inbox (skip events already applied),
 *      the loop guard, filters and vars;
 *   2. one start-many command to the orchestrator for every firing of the batch, each with the
 *      idempotency key `trigger:<triggerId>:<eventId>` (no transaction is open meanwhile);
 *   3. one transaction: inbox rows, occurrences, SUCCEEDED_/FAILED_TRIGGER through the outbox,
 *      and Solvimon EVENT records for billing events — one statement, no transaction of its own,
 *      when the batch has neither flow control nor billing records (record()).
 * A crash or failure between 2 and 3 leaves started instances without occurrences until the
 * redelivery, whose start returns the same instances (same keys) and records them: effects
 * exactly once. An event whose start failed with a retryable error is retried as a whole.
 */
@Injectable()
export class MatcherService {
  readonly cache = new CandidateCache();

  constructor(
    private readonly dataSource: DataSource,
    private readonly orchestrator: OrchestratorClient,
    private readonly publisher: EventPublisher,
    private readonly admission: AdmissionService,
    private readonly instanceEvents: InstanceEvents,
    private readonly logger: PinoLogger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
  ) {
    this.logger.setContext('matcher');
  }

  async handleBatch(events: DeliveredEvent[]): Promise<EventOutcome[]> {
    const outcomes: EventOutcome[] = events.map(() => ({ ok: true }));
    const indexOf = new Map(events.map((event, i) => [event.envelope.id, i]));
    const fail = (eventId: string, error: Error) => (outcomes[indexOf.get(eventId)!] = { ok: false, error });

    const traces = new Map(events.map((e) => [e.envelope.id, e.trace]));
    // One read for the trigger set's generation and the batch's events already applied.
    const [{ generation, applied }]: Array<{ generation: string; applied: string[] }> = await this.dataSource.query(
      `SELECT (SELECT value FROM triggers.generation WHERE id = 1) AS generation,
              ARRAY(SELECT event_id FROM ${TRIGGERS_SCHEMA}.inbox WHERE consumer = $1 AND event_id = ANY($2::text[])) AS applied`,
      [MATCHING_CONSUMER, events.map((e) => e.envelope.id)],
    );
    await this.cache.revalidate(this.dataSource, String(generation));
    // Beside the matching, not before it: freeing slots waits on the instance locks of starts being
    // recorded, and the batch's matches need nothing of it (an event failed here is redelivered whole).
    const following = this.cache.hasPolicies ? this.followInstances(events.map((e) => e.envelope), fail) : undefined;
    try {
      await this.match(events, new Set(applied), traces, outcomes, fail);
    } finally {
      await following;
    }
    return outcomes;
  }

  private async match(
    events: DeliveredEvent[],
    applied: ReadonlySet<string>,
    traces: Map<string, TraceContext | undefined>,
    outcomes: EventOutcome[],
    fail: (eventId: string, error: Error) => void,
  ): Promise<void> {
    const firings = await this.plan(events.map((e) => e.envelope).filter((envelope) => !applied.has(envelope.id)));
    for (const firing of firings) firing.trace = traces.get(firing.envelope.id);
    if (firings.length === 0) return;
    await this.start(firings, fail);
    const failed = new Set(events.filter((_, i) => !outcomes[i].ok).map((e) => e.envelope.id));
    const toRecord = firings.filter((f) => !failed.has(f.envelope.id));
    if (toRecord.length === 0) return;
    try {
      await this.record(toRecord);
    } catch (error) {
      for (const id of new Set(toRecord.map((f) => f.envelope.id))) fail(id, error as Error);
    }
  }

  /**
   * Flow control learns from the orchestrator's lifecycle events: an instance that ended frees
   * its slots, a stage that started makes a `hold: active` slot count or not (instance-events.ts).
   * Only runs when some trigger has a policy.
   */
  private async followInstances(envelopes: EventEnvelope[], fail: (eventId: string, error: Error) => void): Promise<void> {
    const relevant = this.instanceEvents.relevant(envelopes, this.cache.activeHoldWorkflows);
    if (relevant.length === 0) return;
    try {
      await this.instanceEvents.apply(relevant);
    } catch (error) {
      for (const e of relevant) fail(e.id, error as Error);
    }
  }

  /** Candidates, loop guard, filters and vars: the firings of a batch's events not applied yet (no transaction). */
  private async plan(envelopes: EventEnvelope[]): Promise<Firing[]> {
    const withCandidates: Array<{ envelope: EventEnvelope; candidates: Candidate[] }> = [];
    for (const envelope of envelopes) {
      const candidates = (await this.cache.candidates(this.dataSource, envelope.type, envelope.version)).select(envelope.payload);
      if (candidates.length > 0) withCandidates.push({ envelope, candidates });
    }
    if (withCandidates.length === 0) return [];
    return this.evaluate(withCandidates);
  }

  /**
   * Loop guard, filters and vars of events against their candidates (no transaction): the
   * matches. Live matching and replays (replays/) both use it — one implementation of matching.
   * `onFilterError` hears a filter that failed to evaluate (a no-match).
   */
  async evaluate(
    events: Array<{ envelope: EventEnvelope; candidates: Candidate[] }>,
    onFilterError?: (trigger: Candidate, envelope: EventEnvelope, error: string) => void,
  ): Promise<Match[]> {
    const depths = await chainDepths(this.dataSource, events.map((e) => sourceOccurrenceOf(e.envelope)).filter((id): id is string => !!id));
    const firings: Match[] = [];
    for (const { envelope, candidates } of events) {
      const chain = chainOf(envelope, depths);
      if (chain.depth > this.config.TRIGGERS_MAX_CHAIN_DEPTH) {
        this.logger.warn({ eventId: envelope.id, depth: chain.depth }, 'trigger chain too deep: the event fires no trigger');
        continue;
      }
      const context = eventContext(envelope.payload);
      for (const trigger of candidates) {
        if (trigger.id === chain.sourceTriggerId) continue; // a trigger never fires on its own lifecycle events
        metrics.triggerEvaluations.inc();
        if (trigger.filter) {
          const result = evaluateFilterIn(trigger.filter, context);
          if (!result.match) {
            if ('error' in result && result.error) {
              metrics.triggerFilterErrors.inc();
              this.logger.info({ triggerId: trigger.id, eventId: envelope.id, err: result.error }, 'trigger filter failed: no match');
              onFilterError?.(trigger, envelope, String(result.error));
            }
            continue;
          }
        }
        const firing: Match = { trigger, envelope, depth: chain.depth };
        try {
          firing.variables = evaluateVarsIn(trigger.vars ?? {}, context);
        } catch (e) {
          firing.error = (e as Error).message;
        }
        firings.push(firing);
      }
    }
    return firings;
  }

  /**
   * Fires a replay's matches through the live path: the same start-many (idempotency key of the
   * pair, or the replay's own when forced; `metadata.replay_id`), the same flow-control decisions
   * and occurrence records — without the inbox (the live consumer applied these events already).
   * `within` runs in the record transaction (the replay's checkpoint). Throws when a start failed
   * with a retryable error (nothing of the batch is recorded then but what `within` would write
   * is not written either: the replay retries the batch, the same keys give the same instances).
   */
  async fireReplay(matches: Match[], replay: (match: Match) => ReplayFiring, within: (m: EntityManager) => Promise<void>): Promise<void> {
    const firings: Firing[] = matches.map((match) => ({ ...match, replay: replay(match) }));
    let failure: Error | undefined;
    await this.start(firings, (_eventId, error) => (failure ??= error));
    if (failure) throw failure;
    await this.record(firings, { inbox: false, within });
  }

  /** One start-many for every firing with variables; fills instance ids, final errors, or fails events. */
  private async start(firings: Firing[], fail: (eventId: string, error: Error) => void): Promise<void> {
    // Triggers with a policy are started by flow control's admission, after their decision is recorded.
    const toStart = firings.filter((f) => f.variables && !f.trigger.policy);
    if (toStart.length === 0) return;
    const items: StartInstanceRequestInput[] = toStart.map((f) => ({
      workflowId: f.trigger.workflow_id,
      variables: f.variables,
      idempotencyKey: f.replay?.forced ? replayStartKey(f.replay.id, f.trigger.id, f.envelope.id) : startKey(f.trigger.id, f.envelope.id),
      chainDepth: f.depth,
      ...(f.replay ? { metadata: { replay_id: f.replay.id } } : {}),
      ...triggerStartFields(f.trigger.id, f.envelope.id, f.envelope.payload, f.trigger.cancel_on),
    }));
    let results;
    try {
      // One span for the batch's start, in the trace of its first event (a start-many serves many).
      results = await inSpan(
        'trigger fire',
        { parent: toStart[0].trace, attributes: { 'wfp.trigger_id': toStart[0].trigger.id, 'wfp.event_id': toStart[0].envelope.id, 'wfp.firings': toStart.length } },
        () => this.orchestrator.startMany(items),
      );
    } catch (error) {
      for (const f of toStart) fail(f.envelope.id, new Error(`orchestrator could not start workflow ${f.trigger.workflow_id}: ${(error as Error).message}`));
      return;
    }
    toStart.forEach((firing, i) => {
      const result = results[i];
      if (result.ok) firing.instanceId = result.data.id;
      else if (result.error.code === 'NOT_FOUND' || result.error.code === 'VALIDATION') firing.error = result.error.message;
      else if (isPausedRefusal(result.error)) {
        firing.error = result.error.message;
        firing.skipped = 'paused';
      }
      else fail(firing.envelope.id, new Error(`orchestrator could not start workflow ${firing.trigger.workflow_id}: ${result.error.code} ${result.error.message}`));
    });
  }

  /**
   * Records the firings: in one statement (recordOccurrencesAtOnce) when they need nothing but
   * the inbox, their occurrences and those occurrences' lifecycle events — live matching of
   * triggers without a policy, no billing record; else in one transaction with flow control's
   * decisions and admissions, billing records and a replay's checkpoint.
   */
  private async record(firings: Firing[], options: { inbox: boolean; within?: (m: EntityManager) => Promise<void> } = { inbox: true }): Promise<void> {
    const now = this.clock.now();
    const controlled = (f: Firing) => !!(f.trigger.policy && f.variables);
    const billed = (f: Firing) => !!f.instanceId && isBillingEventType(f.envelope.type);
    if (options.inbox && !options.within && !firings.some((f) => controlled(f) || billed(f))) {
      const rows = firings.map((firing) => occurrenceRow(firing, now));
      const inserted = await recordOccurrencesAtOnce(this.dataSource, MATCHING_CONSUMER, rows, rows.map((row) => outcomeEvent(row, now)));
      for (const row of rows) if (inserted.has(row.id)) this.reportRecorded(row);
      return;
    }
    const { queuedTriggers, admitted } = await this.dataSource.transaction(async (m) => {
      let fresh = firings;
      if (options.inbox) {
        const recorded = await recordInbox(m, TRIGGERS_SCHEMA, MATCHING_CONSUMER, [...new Set(firings.map((f) => f.envelope.id))]);
        fresh = firings.filter((f) => recorded.has(f.envelope.id));
      }
      const decisions = await decide(m, fresh.filter(controlled).map(policyFiring), now);
      const rows = fresh.filter((f) => !controlled(f)).map((firing) => occurrenceRow(firing, now));
      const inserted = await insertOccurrences(m, rows);
      const events: Array<NewEvent<Record<string, unknown>>> = [];
      for (const row of rows.filter((r) => inserted.has(r.id))) {
        this.reportRecorded(row);
        events.push(outcomeEvent(row, now));
        if (row.workflow_instance_id && isBillingEventType(row.event.type)) {
          const record = eventRecordFor(row.event, row.firing.trigger.workflow_id, row.workflow_instance_id, row.id, now);
          if (record) await insertWorkflowTrigger(m, record);
          else this.logger.warn({ triggerId: row.trigger_id, eventId: row.event_id }, 'billing event payload does not fit its schema: no workflow-trigger record');
        }
      }
      await this.publisher.publishMany(m, [...events, ...decisions.events]);
      await options.within?.(m);
      // Last (its locks are held until commit): the starts whose keys have room are admitted now, without a round.
      const admitted = await admitWithRoom(m, decisions.direct, decisions.queued.map((q) => q.id), now);
      const admittedIds = new Set(admitted.map((a) => a.id));
      const waiting = new Set(decisions.queued.filter((q) => !admittedIds.has(q.id)).map((q) => q.trigger_id));
      const fullyAdmitted = new Set(admitted.map((a) => a.trigger_id).filter((t) => !waiting.has(t)));
      return { queuedTriggers: [...decisions.queuedTriggers].filter((t) => !fullyAdmitted.has(t)), admitted };
    });
    this.admission.start(admitted);
    this.admission.kick(queuedTriggers);
  }

  /** Metrics and the log line of an occurrence recorded now (of a trigger without a policy). */
  private reportRecorded(row: RecordedOccurrence): void {
    const log = { triggerId: row.trigger_id, eventId: row.event_id };
    if (row.outcome === 'skipped') {
      // The workflow is paused (drop mode): a decision, not a failure.
      metrics.triggerFlowDecisions.inc({ trigger_id: row.trigger_id, outcome: 'skipped', reason: row.reason ?? '' });
      this.logger.info({ ...log, reason: row.reason }, 'trigger skipped: workflow paused');
      return;
    }
    metrics.triggerMatches.inc({ result: row.workflow_instance_id ? 'started' : 'failed' });
    if (row.workflow_instance_id) this.logger.debug({ ...log, instanceId: row.workflow_instance_id }, 'trigger started a workflow');
    else this.logger.info({ ...log, err: row.error }, 'trigger failed');
  }
}

/** The occurrence of a firing recorded without flow control (started, failed, or skipped: the workflow is paused). */
type RecordedOccurrence = OccurrenceRow & { firing: Firing };

function occurrenceRow(firing: Firing, now: Date): RecordedOccurrence {
  return {
    firing,
    id: randomUUID(),
    trigger_id: firing.trigger.id,
    event_id: firing.envelope.id,
    date: now,
    event: firing.envelope,
    workflow_instance_id: firing.instanceId ?? null,
    error: firing.instanceId ? null : (firing.error ?? 'unknown error'),
    chain_depth: firing.depth,
    ...(firing.skipped ? { outcome: 'skipped', reason: firing.skipped } : {}),
    ...(firing.replay ? { replay_id: firing.replay.id, refired_by: firing.replay.refire ? firing.replay.id : null } : {}),
  };
}

/** What the bus hears of a recorded occurrence: its decision (skipped), SUCCEEDED_TRIGGER or FAILED_TRIGGER. */
function outcomeEvent(row: RecordedOccurrence, now: Date): NewEvent<Record<string, unknown>> {
  if (row.outcome === 'skipped') return decisionEvent({ id: row.id, triggerID: row.trigger_id, eventID: row.event_id, outcome: 'skipped', reason: row.reason ?? undefined }, now);
  if (row.workflow_instance_id) return lifecycleEvent(SUCCEEDED_TRIGGER, { id: row.id, triggerID: row.trigger_id, workflowInstanceID: row.workflow_instance_id }, now);
  return lifecycleEvent(FAILED_TRIGGER, { id: row.id, triggerID: row.trigger_id, error: row.error ?? 'unknown error' }, now);
}

function policyFiring(f: Firing): PolicyFiring {
  return { triggerId: f.trigger.id, workflowId: f.trigger.workflow_id, policy: f.trigger.policy!, envelope: f.envelope, depth: f.depth, variables: f.variables!, replay: f.replay };
}

function isLifecycleEvent(envelope: EventEnvelope): boolean {
  return (
    envelope.app === TRIGGER_EVENTS_APP &&
    (envelope.type === SUCCEEDED_TRIGGER || envelope.type === FAILED_TRIGGER || envelope.type.startsWith(OCCURRENCE_DECISION_EVENT_PREFIX))
  );
}

/** The occurrence a trigger lifecycle event reports (whose chain depth the event extends). */
function sourceOccurrenceOf(envelope: EventEnvelope): string | undefined {
  const id = envelope.payload.id;
  return isLifecycleEvent(envelope) && typeof id === 'string' && isUuid(id) ? id : undefined;
}

/** Depth of an event in a chain of triggers firing on other triggers' lifecycle events. */
function chainOf(envelope: EventEnvelope, depths: Map<string, number>): { depth: number; sourceTriggerId?: string } {
  // An event a workflow published (`publish` stage) carries its depth: the depth the trigger
  // chain had when it started that workflow, plus one.
  if (typeof envelope.chain_depth === 'number') return { depth: envelope.chain_depth };
  if (!isLifecycleEvent(envelope)) return { depth: 0 };
  const sourceTriggerId = typeof envelope.payload.triggerID === 'string' ? envelope.payload.triggerID : undefined;
  const occurrenceId = sourceOccurrenceOf(envelope);
  return { depth: (occurrenceId ? (depths.get(occurrenceId) ?? 0) : 0) + 1, sourceTriggerId };
}
