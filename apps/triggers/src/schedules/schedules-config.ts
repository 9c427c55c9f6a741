import { z } from 'zod';
import { intFromEnv } from '@wfp/platform';

/** Environment of the schedules feature (part of the triggers service's configuration). */
export const schedulesEnvShape = {
  /** How often each replica looks for due schedules (ms). Ends of instances and backfills wake it at once. */
  SCHEDULES_POLL_INTERVAL_MS: intFromEnv(50, 600_000).default(1000),
  /**
   * After a pass of a schedule failed (the orchestrator did not answer, the database failed), this
   * replica leaves that schedule alone for this long (ms, on the service clock) so the others are
   * not held up behind it; 0: retried on the next pass.
   */
  SCHEDULES_RETRY_AFTER_MS: intFromEnv(0, 3_600_000).default(5000),
  /** Ticks a schedule takes in one pass at most (a catch-up longer than that continues on the next pass). */
  SCHEDULES_MAX_TICKS_PER_PASS: intFromEnv(1, 100_000).default(1000),
  /** Fire times one backfill may cover at most (more: 400). */
  SCHEDULES_MAX_BACKFILL_TICKS: intFromEnv(1, 1_000_000).default(10_000),
  /**
   * A running instance whose end has not been heard of for this long (ms) is looked up in the
   * orchestrator before it holds back a tick (in case its end event was lost); 0: never.
   */
  SCHEDULES_RECONCILE_AFTER_MS: intFromEnv(0, 86_400_000).default(300_000),
  /** Next fire times describe lists by default. */
  SCHEDULES_DESCRIBE_NEXT: intFromEnv(0, 100).default(10),
  /** Recent actions describe lists by default. */
  SCHEDULES_DESCRIBE_RECENT: intFromEnv(0, 1000).default(20),
};
export type SchedulesConfig = z.infer<z.ZodObject<typeof schedulesEnvShape>>;
