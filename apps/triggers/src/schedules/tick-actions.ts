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
 * - start a workflow through the orchestrator's start command with the idempotency key
 *   `schedule:<scheduleId>:<scheduledTime>` (a retry after a crash or a lost reply gets the same
 *   instance back), with the variables `scheduleId`, `scheduledTime`, `actualTime` beside the
 *   action's own;
 * - publish an event through the triggers service's outbox, in the caller's transaction, with an
 *   id derived from the same pair (so triggers, which start once per (trigger, event id), match
 *   it once).
 * A start the orchestrator cannot answer throws: the caller's transaction rolls back and the tick
 * is taken again on the next pass, with the same key.
 */
@Injectable()
export class TickActions {
  constructor(
    private readonly orchestrator: OrchestratorClient,
    private readonly publisher: EventPublisher,
  ) {}

  async run(manager: EntityManager, scheduleId: string, definition: StoredDefinition, tick: ActionRow, now: Date): Promise<ActionResult> {
    const scheduledTime = tick.scheduled_time.toISOString();
    const actualTime = now.toISOString();
    const { action } = definition;
    if (action.publish) {
      const envelope = await this.publisher.publish(manager, {
        id: tickUuid(scheduleId, tick.scheduled_time),
        app: SCHEDULE_EVENTS_APP,
        version: SCHEDULE_EVENTS_VERSION,
        type: action.publish.type,
        date: now,
        payload: { ...(action.publish.payload ?? {}), scheduleId, scheduledTime, actualTime, source: tick.source },
      });
      return { status: 'published', eventId: envelope.id };
    }
    const reply = await this.orchestrator.startInstance({
      workflowId: action.workflowID!,
      variables: { ...(action.vars ?? {}), scheduleId, scheduledTime, actualTime },
      idempotencyKey: tickIdempotencyKey(scheduleId, tick.scheduled_time),
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

  /** Aborts an instance (cancel_other, terminate_other). An error reply (it already ended) is not a failure: its end event settles it. */
  async abort(instanceId: string): Promise<void> {
    await this.orchestrator.send(COMMANDS.orchestrator.abortInstance, { id: instanceId }, emptyReplyDataSchema);
  }
}
