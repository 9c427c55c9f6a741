import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { COMMANDS, emptyReplyDataSchema, SCHEDULE_EVENTS_APP, SCHEDULE_EVENTS_VERSION } from '@wfp/contracts';
import { EventPublisher } from '@wfp/platform';
import { OrchestratorClient } from '../orchestrator/orchestrator-client';
import type { StoredDefinition } from './schedule-definition';
import type { ActionRow } from './schedule-rows';
import { tickIdempotencyKey, tickUuid } from './core/tick-identity';

/** What running a tick's action did, to record on its row. */
export type ActionResult =
  | { status: 'running'; instanceId: string }
  | { status: 'completed'; instanceId: string; outcome: 'succeeded' | 'failed'; reason?: string }
  | { status: 'published'; eventId: string }
  | { status: 'failed'; reason: string };

/**
 * The two actions of a tick, each exactly once per (schedule, scheduled time):
 * - publish an event through the triggers service's outbox, in the caller's transaction, with an
 *   id derived from the pair (so triggers, which start once per (trigger, event id), match it once);
 * - start a workflow through the orchestrator's start command with the idempotency key
 *   `schedule:<scheduleId>:<scheduledTime>` (a retry after a crash or a lost reply gets the same
 *   instance back), with the variables `scheduleId`, `scheduledTime`, `actualTime` beside the
 *   action's own. Called with no transaction open (the orchestrator calls here never are).
 * A call the orchestrator does not answer throws: the call stays planned on the tick's row and a
 * later pass makes it again, with the same key.
 */
@Injectable()
export class TickActions {
  constructor(
    private readonly orchestrator: OrchestratorClient,
    private readonly publisher: EventPublisher,
  ) {}

  async publish(manager: EntityManager, scheduleId: string, definition: StoredDefinition, tick: ActionRow, now: Date): Promise<ActionResult> {
    const publish = definition.action.publish!;
    const envelope = await this.publisher.publish(manager, {
      id: tickUuid(scheduleId, tick.scheduled_time),
      app: SCHEDULE_EVENTS_APP,
      version: SCHEDULE_EVENTS_VERSION,
      type: publish.type,
      date: now,
      payload: { ...(publish.payload ?? {}), scheduleId, scheduledTime: tick.scheduled_time.toISOString(), actualTime: now.toISOString(), source: tick.source },
    });
    return { status: 'published', eventId: envelope.id };
  }

  /** Starts the tick's instance; `actualTime` is the one the pass that planned the start recorded. */
  async start(scheduleId: string, definition: StoredDefinition, tick: ActionRow): Promise<ActionResult> {
    const { action } = definition;
    const reply = await this.orchestrator.startInstance({
      workflowId: action.workflowID!,
      variables: { ...(action.vars ?? {}), scheduleId, scheduledTime: tick.scheduled_time.toISOString(), actualTime: tick.actual_time!.toISOString() },
      idempotencyKey: tickIdempotencyKey(scheduleId, tick.scheduled_time),
      origin: { scheduleId },
    });
    if (!reply.ok) return { status: 'failed', reason: `${reply.error.code}: ${reply.error.message}` };
    const instance = reply.data;
    if (instance.terminated) {
      return instance.error
        ? { status: 'completed', instanceId: instance.id, outcome: 'failed', reason: instance.error }
        : { status: 'completed', instanceId: instance.id, outcome: 'succeeded' };
    }
    return { status: 'running', instanceId: instance.id };
  }

  /**
   * Asks the orchestrator whether an instance has ended (when its end event is overdue): its
   * outcome, or undefined while it runs or when the orchestrator cannot say.
   */
  async endOf(instanceId: string): Promise<{ outcome: 'succeeded' | 'failed' | 'canceled'; reason?: string } | undefined> {
    const reply = await this.orchestrator.getInstance(instanceId).catch(() => undefined);
    if (!reply?.ok || !reply.data.terminated) return undefined;
    const error = reply.data.error;
    if (!error) return { outcome: 'succeeded' };
    return { outcome: error === 'canceled' ? 'canceled' : 'failed', reason: error };
  }

  /** Aborts an instance (cancel_other, terminate_other); idempotent: an error reply (it already ended) is not a failure. Throws when unanswered. */
  async abort(instanceId: string): Promise<void> {
    await this.orchestrator.send(COMMANDS.orchestrator.abortInstance, { id: instanceId }, emptyReplyDataSchema);
  }
}
