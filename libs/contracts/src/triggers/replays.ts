import { z } from 'zod';
import { keysetPageSchema } from '../paging';
import { TRIGGER_EVENTS_APP, TRIGGER_EVENTS_VERSION } from './formance';

/**
 * Event replay through triggers (our extension, issue 22 part 4): the events stream read again
 * in stream order over a time window, each event matched against chosen triggers exactly as live
 * matching does, the (trigger, event) pairs that never fired fired now (through flow control,
 * with the same occurrence records), or only listed (`dry_run`). A durable job owned by the
 * triggers service (docs/replay.md).
 */
export const REPLAY_LIMITS = { triggers: 100, filterLength: 4096, dryRunMatches: 1000, dryRunErrors: 100 } as const;

export const createReplayRequestSchema = z
  .object({
    /** Stream time (when JetStream stored the event), RFC 3339; inclusive. */
    from: z.iso.datetime({ offset: true }),
    /** Inclusive; defaults to now (frozen when the replay is created). */
    to: z.iso.datetime({ offset: true }).optional(),
    /** CEL over the envelope as `event` (`event.type`, `event.app`, `event.payload.x`): only the events where it is true. */
    filter: z.string().min(1).max(REPLAY_LIMITS.filterLength).optional(),
    /** Trigger ids, or `"all"`: every live trigger when the replay is created. */
    triggers: z.union([
      z.literal('all'),
      z.array(z.string().min(1)).min(1, 'give at least one trigger id, or "all"').max(REPLAY_LIMITS.triggers),
    ]),
    /** Only evaluate: the matches (trigger, event, vars) and the errors; starts nothing, records no occurrence. */
    dry_run: z.boolean().default(false),
    /** Fire pairs that already fired too (new instances, tagged with the replay id). */
    force: z.boolean().default(false),
  })
  .strict();
export type CreateReplayRequest = z.infer<typeof createReplayRequestSchema>;
export type CreateReplayRequestInput = z.input<typeof createReplayRequestSchema>;

export const REPLAY_STATUSES = ['running', 'succeeded', 'aborted', 'failed'] as const;

export const replayMatchSchema = z.object({
  triggerID: z.string(),
  eventID: z.string(),
  /** The event's stream sequence. */
  sequence: z.number().int(),
  /** The trigger's vars evaluated on the event (absent when they failed: see `error`). */
  variables: z.record(z.string(), z.string()).optional(),
  error: z.string().optional(),
});
export type ReplayMatch = z.infer<typeof replayMatchSchema>;

export const replayErrorSchema = z.object({ triggerID: z.string().optional(), eventID: z.string(), sequence: z.number().int(), error: z.string() });
export type ReplayError = z.infer<typeof replayErrorSchema>;

export const replaySchema = z.object({
  id: z.string(),
  status: z.enum(REPLAY_STATUSES),
  from: z.string(),
  to: z.string(),
  filter: z.string().optional(),
  /** The triggers replayed (for `"all"`: the live ones at creation). */
  triggers: z.array(z.string()),
  dry_run: z.boolean(),
  force: z.boolean(),
  progress: z.object({
    /** Stream sequence of the last event replayed (0: none yet). */
    sequence: z.number().int(),
    /** Its stream time. */
    time: z.string().optional(),
    /** The last sequence the replay reads (the stream's last one at creation). */
    lastSequence: z.number().int(),
  }),
  counts: z.object({
    /** Events read in the window (after `filter`). */
    events: z.number().int(),
    /** (trigger, event) pairs whose trigger filter matched. */
    matched: z.number().int(),
    /** Matched pairs that had fired before (skipped; with `force`: 0). */
    already_fired: z.number().int(),
    /** Occurrences this replay recorded, by outcome (a queued one becomes started later). */
    started: z.number().int(),
    queued: z.number().int(),
    skipped: z.number().int(),
    failed: z.number().int(),
    canceled: z.number().int(),
    /** Filter (the replay's or a trigger's) and vars errors. */
    errors: z.number().int(),
  }),
  /** With `dry_run`: the matches and errors (the first ones; `truncated` when there were more). */
  result: z.object({ matches: z.array(replayMatchSchema), errors: z.array(replayErrorSchema), truncated: z.boolean() }).optional(),
  /** Why a replay failed. */
  error: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().optional(),
});
export type Replay = z.infer<typeof replaySchema>;

export const replayIdRequestSchema = z.object({ id: z.string() });
export const listReplaysRequestSchema = z.object({ page: keysetPageSchema.optional() });

/** Bus event when a replay ends (succeeded, aborted or failed), through the triggers outbox. */
export const REPLAY_FINISHED_EVENT = 'trigger.replay.finished';
export const REPLAY_EVENTS_APP = TRIGGER_EVENTS_APP;
export const REPLAY_EVENTS_VERSION = TRIGGER_EVENTS_VERSION;
export const replayFinishedPayloadSchema = z.object({
  id: z.string(),
  status: z.enum(REPLAY_STATUSES),
  dry_run: z.boolean(),
  matched: z.number().int(),
  already_fired: z.number().int(),
  fired: z.number().int(),
});
export type ReplayFinishedPayload = z.infer<typeof replayFinishedPayloadSchema>;
