import { z } from 'zod';
import { keysetPageSchema } from '../paging';

/**
 * The schedule resource on the wire (`/api/orchestration/v2/schedules`, commands of the triggers
 * service). These zod schemas check the shape; the triggers service checks what needs a parser
 * (cron patterns, durations, time zones) and names the field of any error.
 */

/** What a tick does when an instance started by an earlier tick of the schedule still runs (Temporal's ScheduleOverlapPolicy). */
export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;
export const overlapPolicySchema = z.enum(OVERLAP_POLICIES);
export type OverlapPolicy = z.infer<typeof overlapPolicySchema>;

/** A duration such as `90s`, `1h30m`, `500ms`, `2d`. */
const durationText = z.string().min(1).max(100);

/** `6h`, `every 6h offset 5h`, or `{interval: "6h", offset: "5h"}`. */
export const intervalSpecSchema = z.union([
  durationText,
  z.object({ interval: durationText, offset: durationText.optional() }).strict(),
]);
export type IntervalSpecInput = z.infer<typeof intervalSpecSchema>;

const instant = z.iso.datetime({ offset: true });

/** When a schedule fires: exactly one of `cron` or `interval`. */
export const scheduleSpecSchema = z
  .object({
    cron: z.string().min(1).max(200).optional().describe('A 5-field (minute first) or 6-field (second first) cron pattern, read in `timezone`'),
    interval: intervalSpecSchema.optional().describe('Fire every interval, on a grid aligned on the Unix epoch plus `offset`'),
    timezone: z.string().min(1).max(100).optional().describe('IANA time zone of `cron` (default UTC)'),
    start_at: instant.optional().describe('No fire time before this instant'),
    end_at: instant.optional().describe('No fire time at or after this instant'),
    jitter: durationText.optional().describe('Each action runs up to this much after its fire time, by a delay derived from the schedule id and fire time (the same on every replica)'),
  })
  .strict();
export type ScheduleSpec = z.infer<typeof scheduleSpecSchema>;

export const SCHEDULE_TICK_EVENT = 'schedule.tick';
export const SCHEDULE_EVENTS_APP = 'schedules';
export const SCHEDULE_EVENTS_VERSION = 'v1';

/** Either start a workflow (`workflowID`, `vars`) or publish an event (`publish`). */
export const scheduleActionSchema = z
  .object({
    workflowID: z.string().min(1).max(100).optional(),
    vars: z.record(z.string(), z.string()).optional().describe('Variables of each instance, beside scheduleId, scheduledTime and actualTime'),
    publish: z
      .object({
        type: z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be dot-separated NATS subject tokens').max(200).default(SCHEDULE_TICK_EVENT),
        payload: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional()
      .describe(`Publish an event (type default \`${SCHEDULE_TICK_EVENT}\`, app \`${SCHEDULE_EVENTS_APP}\`, version \`${SCHEDULE_EVENTS_VERSION}\`) whose payload carries scheduleId, scheduledTime and actualTime; triggers match it`),
  })
  .strict()
  .superRefine((action, ctx) => {
    if ((action.workflowID === undefined) === (action.publish === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['workflowID'], message: 'exactly one of workflowID or publish is required' });
    }
    if (action.publish && action.vars) ctx.addIssue({ code: 'custom', path: ['vars'], message: 'vars go with workflowID, not publish' });
  });
export type ScheduleAction = z.infer<typeof scheduleActionSchema>;

/** The body of create and update (update replaces the whole definition). */
export const scheduleBodySchema = z
  .object({
    name: z.string().min(1).max(200),
    spec: scheduleSpecSchema,
    action: scheduleActionSchema,
    overlap: overlapPolicySchema.default('skip'),
    catchup_window: durationText.default('1y').describe('After downtime, missed ticks at most this old still run (minimum 10s, default 1y); older ones are counted as missed'),
    paused: z.boolean().default(false),
    note: z.string().max(1000).optional(),
    remaining_actions: z.number().int().min(0).nullable().optional().describe('Scheduled actions left (null or absent: unlimited); trigger-now and backfill do not count'),
    pause_on_failure: z.boolean().default(false).describe('Pause the schedule when an instance it started fails'),
  })
  .strict();
export type ScheduleBody = z.infer<typeof scheduleBodySchema>;
export type ScheduleBodyInput = z.input<typeof scheduleBodySchema>;

/** A schedule as the API shows it. */
export const scheduleSchema = z.object({
  id: z.string(),
  name: z.string(),
  spec: scheduleSpecSchema,
  action: z.object({
    workflowID: z.string().optional(),
    vars: z.record(z.string(), z.string()).optional(),
    publish: z.object({ type: z.string(), payload: z.record(z.string(), z.unknown()).optional() }).optional(),
  }),
  overlap: overlapPolicySchema,
  catchup_window: z.string(),
  paused: z.boolean(),
  note: z.string().optional(),
  remaining_actions: z.number().int().nullable(),
  pause_on_failure: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Schedule = z.infer<typeof scheduleSchema>;

/** Where an action came from. */
export const ACTION_SOURCES = ['schedule', 'trigger_now', 'backfill'] as const;
/**
 * The fate of one tick: `buffered` (waiting for the previous instance, per overlap policy),
 * `running` (instance started), `canceling` (abort sent by a later cancel_other/terminate_other tick),
 * `completed` (instance ended: see `outcome`), `published` (event published), `skipped` (see
 * `reason`), `missed` (older than the catch-up window), `failed` (the start was refused: `reason`).
 */
export const ACTION_STATUSES = ['buffered', 'running', 'canceling', 'completed', 'published', 'skipped', 'missed', 'failed'] as const;

export const scheduleActionRecordSchema = z.object({
  scheduledTime: z.string(),
  actualTime: z.string().optional().describe('When the action ran (absent while buffered, skipped or missed)'),
  source: z.enum(ACTION_SOURCES),
  overlap: overlapPolicySchema,
  status: z.enum(ACTION_STATUSES),
  instanceID: z.string().optional(),
  eventID: z.string().optional(),
  outcome: z.enum(['succeeded', 'failed', 'canceled']).optional(),
  endedAt: z.string().optional(),
  reason: z.string().optional(),
});
export type ScheduleActionRecord = z.infer<typeof scheduleActionRecordSchema>;

export const scheduleDescriptionSchema = z.object({
  schedule: scheduleSchema,
  nextActionTimes: z.array(z.string()).describe('The next fire times (scheduled, before jitter), none while paused'),
  runningInstances: z.array(z.string()),
  bufferedActions: z.number().int(),
  missedCatchupWindow: z.number().int().describe('Ticks counted as missed (older than the catch-up window when the service got to them)'),
  recentActions: z.array(scheduleActionRecordSchema).describe('The latest actions, newest first, with scheduled and actual time'),
});
export type ScheduleDescription = z.infer<typeof scheduleDescriptionSchema>;

// ---- commands

export const createScheduleRequestSchema = z.object({ data: z.unknown() });
export const scheduleIdRequestSchema = z.object({ id: z.string().max(1000) });
export const updateScheduleRequestSchema = scheduleIdRequestSchema.extend({ data: z.unknown() });
export const listSchedulesRequestSchema = z.object({ name: z.string().max(1000).optional(), page: keysetPageSchema.optional() });
export type ListSchedulesRequest = z.infer<typeof listSchedulesRequestSchema>;

export const pauseBodySchema = z.object({ note: z.string().max(1000).optional() }).strict();
export const pauseScheduleRequestSchema = scheduleIdRequestSchema.extend({ data: z.unknown() });
export const triggerScheduleBodySchema = z.object({ overlap: overlapPolicySchema.optional() }).strict();
export const triggerScheduleRequestSchema = scheduleIdRequestSchema.extend({ data: z.unknown() });
export const backfillBodySchema = z
  .object({ from: instant, to: instant, overlap: overlapPolicySchema.optional().describe('Default buffer_all (skip would drop almost every tick)') })
  .strict();
export const backfillScheduleRequestSchema = scheduleIdRequestSchema.extend({ data: z.unknown() });
export const describeScheduleRequestSchema = scheduleIdRequestSchema.extend({
  next: z.number().int().min(0).max(100).optional(),
  recent: z.number().int().min(0).max(1000).optional(),
});

export const triggerScheduleReplySchema = z.object({ action: scheduleActionRecordSchema });
export const backfillScheduleReplySchema = z.object({
  ticks: z.number().int().describe('Fire times in [from, to)'),
  added: z.number().int().describe('Ticks not run before (the others were already there: a repeated backfill adds nothing)'),
});

/** The payload of a schedule's published event (beside the action's own payload keys). */
export const scheduleTickPayloadSchema = z
  .object({ scheduleId: z.string(), scheduledTime: z.string(), actualTime: z.string(), source: z.enum(ACTION_SOURCES) })
  .passthrough();
