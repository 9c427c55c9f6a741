import { z } from 'zod';
import { INTERVENTION_EVENT_TYPES, INTERVENTIONS_APP, INTERVENTIONS_EVENTS_VERSION, interventionEventPayloadSchema } from '../interventions/events';
import { CONTENT_CREATED_EVENT_TYPE, contentCreatedPayloadSchema } from '../interventions/events';
import { WORKFLOW_EVENT_TYPES, WORKFLOW_EVENTS_APP, WORKFLOW_EVENTS_VERSION } from '../orchestrator/events';
import {
  FAILED_TRIGGER,
  failedTriggerPayloadSchema,
  SUCCEEDED_TRIGGER,
  succeededTriggerPayloadSchema,
  TRIGGER_EVENTS_APP,
  TRIGGER_EVENTS_VERSION,
} from '../triggers/formance';
import { BILLING_EVENT_TYPES } from '../triggers/billing-events';
import { SCHEDULE_EVENTS_APP, SCHEDULE_EVENTS_VERSION, SCHEDULE_TICK_EVENT, scheduleTickPayloadSchema } from '../schedules/schedule';
import { REPLAY_EVENTS_APP, REPLAY_EVENTS_VERSION, REPLAY_FINISHED_EVENT, replayFinishedPayloadSchema } from '../triggers/replays';
import { OCCURRENCE_DECISION_EVENT_PREFIX, OCCURRENCE_OUTCOMES, occurrenceDecisionPayloadSchema } from '../triggers/policy';

/**
 * Every domain event type of the bus, in one list: who publishes it, who consumes it, and its
 * payload schema. Subjects are `<namespace>.events.<app>.<version>.<type>`; `app`/`version`
 * `undefined` = any (the event is matched by its type). The AsyncAPI document is generated from it.
 */
export interface EventCatalogEntry {
  type: string;
  app?: string;
  version?: string;
  payload: z.ZodType;
  /** The payload schema's name in generated documents. */
  payloadName: string;
  publishedBy: string[];
  consumedBy: string[];
  description: string;
}

const ANYONE = 'any client (NATS or POST /api/events)';

export const EVENT_CATALOG: EventCatalogEntry[] = [
  ...Object.entries(WORKFLOW_EVENT_TYPES).map(([type, payload]) => ({
    type,
    app: WORKFLOW_EVENTS_APP,
    version: WORKFLOW_EVENTS_VERSION,
    payload,
    payloadName: `${type.startsWith('FAILED') ? 'Failed' : ''}Workflow${type.endsWith('STAGE') ? 'Stage' : ''}EventPayload`,
    publishedBy: ['orchestrator'],
    consumedBy: ['triggers (Formance triggers may match it)'],
    description: `Workflow lifecycle: ${type.toLowerCase().replace(/_/g, ' ')}.`,
  })),
  {
    type: SUCCEEDED_TRIGGER,
    app: TRIGGER_EVENTS_APP,
    version: TRIGGER_EVENTS_VERSION,
    payload: succeededTriggerPayloadSchema,
    payloadName: 'SucceededTriggerPayload',
    publishedBy: ['triggers'],
    consumedBy: [],
    description: 'A trigger matched an event and started a workflow instance (never matched by triggers: no loops).',
  },
  {
    type: FAILED_TRIGGER,
    app: TRIGGER_EVENTS_APP,
    version: TRIGGER_EVENTS_VERSION,
    payload: failedTriggerPayloadSchema,
    payloadName: 'FailedTriggerPayload',
    publishedBy: ['triggers'],
    consumedBy: [],
    description: 'A trigger matched an event but could not start its workflow (vars error, unknown workflow).',
  },
  {
    type: SCHEDULE_TICK_EVENT,
    app: SCHEDULE_EVENTS_APP,
    version: SCHEDULE_EVENTS_VERSION,
    payload: scheduleTickPayloadSchema,
    payloadName: 'ScheduleTickPayload',
    publishedBy: ['triggers (schedules with a publish action; the type may be another one the schedule names)'],
    consumedBy: ['triggers (Formance triggers may match it)'],
    description: 'A schedule fired: one event per (schedule, scheduled time), its id derived from both.',
  },
  ...OCCURRENCE_OUTCOMES.map((outcome) => ({
    type: `${OCCURRENCE_DECISION_EVENT_PREFIX}${outcome}`,
    app: TRIGGER_EVENTS_APP,
    version: TRIGGER_EVENTS_VERSION,
    payload: occurrenceDecisionPayloadSchema,
    payloadName: 'OccurrenceDecisionPayload',
    publishedBy: ['triggers'],
    consumedBy: [],
    description: `Flow control (triggers with a policy): an occurrence was decided ${outcome}, once per decision (never matched by its own trigger).`,
  })),
  {
    type: REPLAY_FINISHED_EVENT,
    app: REPLAY_EVENTS_APP,
    version: REPLAY_EVENTS_VERSION,
    payload: replayFinishedPayloadSchema,
    payloadName: 'ReplayFinishedPayload',
    publishedBy: ['triggers'],
    consumedBy: [],
    description: 'An event replay through triggers ended (succeeded, aborted or failed), with its counts.',
  },
  ...INTERVENTION_EVENT_TYPES.map((type) => ({
    type,
    app: INTERVENTIONS_APP,
    version: INTERVENTIONS_EVENTS_VERSION,
    payload: interventionEventPayloadSchema,
    payloadName: 'InterventionEventPayload',
    publishedBy: ['interventions'],
    consumedBy: ['triggers (Formance triggers may match it)', 'orchestrator (wait_for_event stages)'],
    description: `Engage intervention ${type.slice('intervention.'.length).replace(/_/g, ' ')}.`,
  })),
  {
    type: CONTENT_CREATED_EVENT_TYPE,
    payload: contentCreatedPayloadSchema,
    payloadName: 'ContentCreatedPayload',
    publishedBy: [ANYONE],
    consumedBy: ['interventions (stores the customer message)', 'triggers'],
    description: 'A customer message arrived from a channel.',
  },
  ...Object.entries(BILLING_EVENT_TYPES).map(([type, spec]) => ({
    type,
    payload: spec.payload as z.ZodType,
    payloadName: `${spec.target
      .toLowerCase()
      .split('_')
      .map((word) => word[0].toUpperCase() + word.slice(1))
      .join('')}EventPayload`,
    publishedBy: [ANYONE],
    consumedBy: [`triggers (a matching trigger also records a Solvimon ${spec.target} workflow trigger, variant ${spec.variant})`],
    description: `Billing event: ${type}.`,
  })),
];
