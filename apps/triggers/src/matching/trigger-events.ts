import {
  CancelOn, OCCURRENCE_DECISION_EVENT_PREFIX, OccurrenceDecisionPayload, StartInstanceRequestInput, TRIGGER_EVENTS_APP, TRIGGER_EVENTS_VERSION,
} from '@wfp/contracts';
import type { NewEvent } from '@wfp/platform';

/** The orchestrator's idempotency key of a trigger firing: one instance per (trigger, event). */
export function startKey(triggerId: string, eventId: string): string {
  return `trigger:${triggerId}:${eventId}`;
}

/** The idempotency key of a forced replay firing: a new instance per (replay, trigger, event). */
export function replayStartKey(replayId: string, triggerId: string, eventId: string): string {
  return `replay:${replayId}:${startKey(triggerId, eventId)}`;
}

/**
 * What every start of a trigger firing carries besides its workflow and variables (live matching,
 * flow-control admission, replays): its origin (the trigger and the event, on the instance's
 * lifecycle events), the event's payload (`event` in `cancel_on` conditions) and the trigger's
 * `cancel_on`, when it has one.
 */
export function triggerStartFields(
  triggerId: string,
  eventId: string,
  payload: Record<string, unknown> | null | undefined,
  cancelOn: CancelOn | null | undefined,
): Pick<StartInstanceRequestInput, 'origin' | 'triggerEvent' | 'cancelOn'> {
  return {
    origin: { triggerId, eventId },
    ...(payload ? { triggerEvent: payload } : {}),
    ...(cancelOn ? { cancelOn } : {}),
  };
}

/** A trigger lifecycle event (`SUCCEEDED_TRIGGER`, `FAILED_TRIGGER`) through the outbox. */
export function lifecycleEvent(type: string, payload: Record<string, unknown>, date: Date): NewEvent<Record<string, unknown>> {
  return { app: TRIGGER_EVENTS_APP, version: TRIGGER_EVENTS_VERSION, type, payload, date };
}

/** A flow-control decision on the bus: `trigger.occurrence.<outcome>`, once per decision. */
export function decisionEvent(payload: OccurrenceDecisionPayload, date: Date): NewEvent<Record<string, unknown>> {
  const clean = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined && v !== null));
  return lifecycleEvent(`${OCCURRENCE_DECISION_EVENT_PREFIX}${payload.outcome}`, clean, date);
}
