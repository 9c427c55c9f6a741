import type { OverlapPolicy } from '@wfp/contracts';

/**
 * The overlap decision, pure: given the schedule's own instances that have not ended yet and
 * its waiting ticks (oldest first), what to start, keep buffered, skip, cancel and terminate.
 * Each tick carries its own policy (trigger-now and backfill may override the schedule's).
 * Temporal's semantics, on the schedule's own previous instances only:
 *
 * - `skip`: while an earlier instance runs (or an earlier tick waits), the tick is skipped.
 * - `buffer_one`: it waits for the running one to end; at most one tick waits, later ones skip.
 * - `buffer_all`: every tick waits its turn, and they start one after the other, in order.
 * - `cancel_other`: the running instances are canceled (abort); the tick starts once they have
 *   ended (the orchestrator's end event); a newer cancel_other tick supersedes a waiting one.
 * - `terminate_other`: the running instances are aborted and the tick starts at once.
 * - `allow_all`: the tick starts at once, whatever runs.
 *
 * A tick that would start when no action is left (`remaining_actions` 0) is skipped instead.
 */
export interface ActiveInstance {
  key: string;
  /** `canceling`: an abort was sent, the end has not been seen yet. */
  status: 'running' | 'canceling';
}

export interface WaitingTick {
  key: string;
  overlap: OverlapPolicy;
  /** Whether starting it uses one of `remaining_actions` (scheduled ticks do; trigger-now and backfill do not). */
  counted: boolean;
}

export interface OverlapDecision {
  start: string[];
  keep: string[];
  skip: Array<{ key: string; reason: string }>;
  /** Active instances to abort and wait for (cancel_other). */
  cancel: string[];
  /** Active instances to abort without waiting (terminate_other). */
  terminate: string[];
  /** `remaining_actions` after the starts (null: unlimited). */
  remaining: number | null;
}

export const SKIP_REASONS = {
  overlap: 'an earlier instance of the schedule was still running (overlap skip)',
  bufferFull: 'the buffer already held an action (overlap buffer_one)',
  superseded: 'superseded by a later tick (overlap cancel_other/terminate_other)',
  noneLeft: 'no remaining actions',
} as const;

export function decideOverlap(active: ActiveInstance[], waiting: WaitingTick[], remaining: number | null): OverlapDecision {
  const decision: OverlapDecision = { start: [], keep: [], skip: [], cancel: [], terminate: [], remaining };
  /** Instances that still run as far as the next tick is concerned. */
  let running = active.filter((instance) => instance.status === 'running').map((instance) => instance.key);
  let canceling = active.filter((instance) => instance.status === 'canceling').map((instance) => instance.key);
  const busy = () => running.length > 0 || canceling.length > 0;
  const blocked = () => busy() || decision.keep.length > 0;

  const start = (tick: WaitingTick) => {
    if (tick.counted && decision.remaining !== null) {
      if (decision.remaining <= 0) {
        decision.skip.push({ key: tick.key, reason: SKIP_REASONS.noneLeft });
        return;
      }
      decision.remaining -= 1;
    }
    decision.start.push(tick.key);
    running.push(tick.key);
  };
  const isActive = (key: string) => active.some((instance) => instance.key === key);
  const counted = new Map(waiting.map((tick) => [tick.key, tick.counted]));
  /** A later cancel/terminate tick of the same round supersedes what waits and what this round started. */
  const supersede = () => {
    for (const key of decision.keep) decision.skip.push({ key, reason: SKIP_REASONS.superseded });
    decision.keep = [];
    for (const key of running.filter((key) => !isActive(key))) {
      decision.start = decision.start.filter((started) => started !== key);
      decision.skip.push({ key, reason: SKIP_REASONS.superseded });
      if (counted.get(key) && decision.remaining !== null) decision.remaining += 1;
    }
    running = running.filter(isActive);
  };

  for (const tick of waiting) {
    switch (tick.overlap) {
      case 'allow_all':
        start(tick);
        break;
      case 'skip':
        if (blocked()) decision.skip.push({ key: tick.key, reason: SKIP_REASONS.overlap });
        else start(tick);
        break;
      case 'buffer_one':
        if (!blocked()) start(tick);
        else if (decision.keep.length === 0) decision.keep.push(tick.key);
        else decision.skip.push({ key: tick.key, reason: SKIP_REASONS.bufferFull });
        break;
      case 'buffer_all':
        if (blocked()) decision.keep.push(tick.key);
        else start(tick);
        break;
      case 'cancel_other':
        supersede();
        decision.cancel.push(...running);
        canceling = [...canceling, ...running];
        running = [];
        if (busy()) decision.keep.push(tick.key);
        else start(tick);
        break;
      case 'terminate_other':
        supersede();
        decision.terminate.push(...running, ...canceling);
        running = [];
        canceling = [];
        start(tick);
        break;
    }
  }
  return decision;
}
