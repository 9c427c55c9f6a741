/**
 * Commands of the schedules feature, served by the triggers service (its queue group): the
 * schedule resource of `/api/orchestration/v2/schedules`.
 */
export const SCHEDULES_COMMANDS = {
  createSchedule: 'triggers.v1.schedules.create',
  listSchedules: 'triggers.v1.schedules.list',
  getSchedule: 'triggers.v1.schedules.get',
  updateSchedule: 'triggers.v1.schedules.update',
  deleteSchedule: 'triggers.v1.schedules.delete',
  pauseSchedule: 'triggers.v1.schedules.pause',
  unpauseSchedule: 'triggers.v1.schedules.unpause',
  /** Run the action once now (scheduled time = now), with an optional overlap override. */
  triggerSchedule: 'triggers.v1.schedules.trigger',
  /** Run the action for every fire time of [from, to), with its own overlap policy. */
  backfillSchedule: 'triggers.v1.schedules.backfill',
  /** The schedule with its next fire times, recent actions and missed ticks. */
  describeSchedule: 'triggers.v1.schedules.describe',
} as const;
