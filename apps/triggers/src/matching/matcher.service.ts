import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { DataSource } from 'typeorm';
import { PinoLogger } from 'nestjs-pino';
import {
  EventEnvelope,
  FAILED_TRIGGER,
  FailedTriggerPayload,
  isBillingEventType,
  SUCCEEDED_TRIGGER,
  SucceededTriggerPayload,
  TRIGGER_EVENTS_APP,
  TRIGGER_EVENTS_VERSION,
} from '@wfp/contracts';
import { APP_CONFIG, Clock, CLOCK, EventPublisher } from '@wfp/platform';
import type { TriggersConfig } from '../config';
import { evaluateFilter, evaluateVars } from '@wfp/expressions';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
import { eventRecordFor, insertWorkflowTrigger } from '../workflow-triggers/workflow-trigger-records';
import { Candidate, CandidateCache } from './candidate-cache';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The orchestrator's idempotency key of a trigger firing: one instance per (trigger, event). */
export function startKey(triggerId: string, eventId: string): string {
  return `trigger:${triggerId}:${eventId}`;
}

/**
 * Matches one bus event against the triggers (called by the durable consumer inside the
 * transaction that also records the event in the inbox): candidates by (type, version), filter,
 * vars, an idempotent start of the workflow, the occurrence, SUCCEEDED_/FAILED_TRIGGER through
 * the outbox, and for billing events a Solvimon EVENT workflow-trigger record.
 */
@Injectable()
export class MatcherService {
  readonly cache = new CandidateCache();

  constructor(
    private readonly dataSource: DataSource,
    private readonly orchestrator: OrchestratorClient,
    private readonly publisher: EventPublisher,
    private readonly logger: PinoLogger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
  ) {
    this.logger.setContext('matcher');
  }

  /** Cheap pre-check outside any transaction: may any live trigger match this event? */
  async hasCandidates(envelope: EventEnvelope): Promise<boolean> {
    return (await this.cache.candidates(this.dataSource, envelope.type, envelope.version)).select(envelope.payload).length > 0;
  }

  async handle(envelope: EventEnvelope, manager: EntityManager): Promise<void> {
    const candidates = (await this.cache.candidates(manager, envelope.type, envelope.version)).select(envelope.payload);
    if (candidates.length === 0) return;
    const chain = await this.chainOf(envelope, manager);
    if (chain.depth > this.config.TRIGGERS_MAX_CHAIN_DEPTH) {
      this.logger.warn({ eventId: envelope.id, depth: chain.depth }, 'trigger chain too deep: the event fires no trigger');
      return;
    }
    for (const candidate of candidates) {
      if (candidate.id === chain.sourceTriggerId) continue; // a trigger never fires on its own lifecycle events
      if (candidate.filter) {
        const result = evaluateFilter(candidate.filter, envelope.payload);
        if (!result.match) {
          if ('error' in result && result.error) {
            this.logger.info({ triggerId: candidate.id, eventId: envelope.id, err: result.error }, 'trigger filter failed: no match');
          }
          continue;
        }
      }
      await this.fire(manager, candidate, envelope, chain.depth);
    }
  }

  /** Depth of an event in a chain of triggers firing on other triggers' lifecycle events. */
  private async chainOf(envelope: EventEnvelope, m: EntityManager): Promise<{ depth: number; sourceTriggerId?: string }> {
    // An event a workflow published (`publish` stage) carries its depth: the depth the trigger
    // chain had when it started that workflow, plus one.
    if (typeof envelope.chain_depth === 'number') return { depth: envelope.chain_depth };
    if (envelope.app !== TRIGGER_EVENTS_APP || (envelope.type !== SUCCEEDED_TRIGGER && envelope.type !== FAILED_TRIGGER)) {
      return { depth: 0 };
    }
    const occurrenceId = envelope.payload.id;
    const sourceTriggerId = typeof envelope.payload.triggerID === 'string' ? envelope.payload.triggerID : undefined;
    if (typeof occurrenceId !== 'string' || !UUID.test(occurrenceId)) return { depth: 1, sourceTriggerId };
    const rows: Array<{ chain_depth: number }> = await m.query(`SELECT chain_depth FROM triggers.occurrences WHERE id = $1`, [occurrenceId]);
    return { depth: (rows[0]?.chain_depth ?? 0) + 1, sourceTriggerId };
  }

  private async fire(m: EntityManager, trigger: Candidate, envelope: EventEnvelope, depth: number): Promise<void> {
    const log = { triggerId: trigger.id, eventId: envelope.id };
    const already: unknown[] = await m.query(`SELECT 1 FROM triggers.occurrences WHERE trigger_id = $1 AND event_id = $2`, [
      trigger.id,
      envelope.id,
    ]);
    if (already.length) return;
    let instanceId: string | undefined;
    let error: string | undefined;
    let variables: Record<string, string> | undefined;
    try {
      variables = evaluateVars(trigger.vars ?? {}, envelope.payload);
    } catch (e) {
      error = (e as Error).message;
    }
    if (variables) {
      const started = await this.orchestrator.startInstance({
        workflowId: trigger.workflow_id,
        variables,
        idempotencyKey: startKey(trigger.id, envelope.id),
        chainDepth: depth,
      });
      if (started.ok) instanceId = started.data.id;
      else if (started.error.code === 'NOT_FOUND' || started.error.code === 'VALIDATION') error = started.error.message;
      else throw new Error(`orchestrator could not start workflow ${trigger.workflow_id}: ${started.error.code} ${started.error.message}`);
    }
    const now = this.clock.now();
    const occurrenceId = randomUUID();
    const inserted: unknown[] = await m.query(
      `INSERT INTO triggers.occurrences (id, trigger_id, event_id, date, event, workflow_instance_id, error, chain_depth)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (trigger_id, event_id) DO NOTHING RETURNING id`,
      [occurrenceId, trigger.id, envelope.id, now, JSON.stringify(envelope), instanceId ?? null, error ?? null, depth],
    );
    if (inserted.length === 0) return;
    if (instanceId) {
      await this.publisher.publish<SucceededTriggerPayload>(m, {
        app: TRIGGER_EVENTS_APP,
        version: TRIGGER_EVENTS_VERSION,
        type: SUCCEEDED_TRIGGER,
        payload: { id: occurrenceId, triggerID: trigger.id, workflowInstanceID: instanceId },
        date: now,
      });
      this.logger.debug({ ...log, instanceId }, 'trigger started a workflow');
      if (isBillingEventType(envelope.type)) {
        const record = eventRecordFor(envelope, trigger.workflow_id, instanceId, occurrenceId, now);
        if (record) await insertWorkflowTrigger(m, record);
        else this.logger.warn(log, 'billing event payload does not fit its schema: no workflow-trigger record');
      }
    } else {
      await this.publisher.publish<FailedTriggerPayload>(m, {
        app: TRIGGER_EVENTS_APP,
        version: TRIGGER_EVENTS_VERSION,
        type: FAILED_TRIGGER,
        payload: { id: occurrenceId, triggerID: trigger.id, error: error ?? 'unknown error' },
        date: now,
      });
      this.logger.info({ ...log, err: error }, 'trigger failed');
    }
  }
}
