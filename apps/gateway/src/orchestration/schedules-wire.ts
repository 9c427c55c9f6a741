import { z } from 'zod';
import {
  backfillBodySchema,
  backfillScheduleReplySchema,
  pauseBodySchema,
  scheduleBodySchema,
  scheduleDescriptionSchema,
  scheduleSchema,
  triggerScheduleBodySchema,
  triggerScheduleReplySchema,
} from '@wfp/contracts';
import { dataOf } from './formance-v1-wire';
import { cursorOf } from './formance-v2-wire';

/**
 * Wire shapes of the schedules of `/api/orchestration/v2/schedules` (our extension of Formance
 * Orchestration v2, in its envelope, auth and errors): the single source of their part of the
 * `formance-v2` OpenAPI document. The bodies are the contracts' schemas (the triggers service
 * checks them with the same ones).
 */
export const v2ScheduleBodySchema = scheduleBodySchema;
export const v2PauseScheduleBodySchema = pauseBodySchema;
export const v2TriggerScheduleBodySchema = triggerScheduleBodySchema;
export const v2BackfillScheduleBodySchema = backfillBodySchema;

export const v2ScheduleResponseSchema = dataOf(scheduleSchema);
export const v2ListSchedulesResponseSchema = cursorOf(scheduleSchema);
export const v2DescribeScheduleResponseSchema = dataOf(scheduleDescriptionSchema);
export const v2TriggerScheduleResponseSchema = dataOf(triggerScheduleReplySchema);
export const v2BackfillScheduleResponseSchema = dataOf(backfillScheduleReplySchema);

export type V2ScheduleResponse = z.infer<typeof v2ScheduleResponseSchema>;
export type V2DescribeScheduleResponse = z.infer<typeof v2DescribeScheduleResponseSchema>;
export type V2TriggerScheduleResponse = z.infer<typeof v2TriggerScheduleResponseSchema>;
export type V2BackfillScheduleResponse = z.infer<typeof v2BackfillScheduleResponseSchema>;

export const v2DescribeScheduleQuerySchema = z.object({
  next: z.string().regex(/^\d+$/).optional().describe('How many next fire times (0–100; default SCHEDULES_DESCRIBE_NEXT, 10)'),
  recent: z.string().regex(/^\d+$/).optional().describe('How many recent actions (0–1000; default SCHEDULES_DESCRIBE_RECENT, 20)'),
});
