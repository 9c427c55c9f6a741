import type { EntityManager } from 'typeorm';
import { REPLAY_EVENTS_APP, REPLAY_EVENTS_VERSION, REPLAY_FINISHED_EVENT, ReplayFinishedPayload } from '@wfp/contracts';
import { metrics, NewEvent } from '@wfp/platform';
import { decisionEvent } from '../matching/trigger-events';
import { dropQueuedStarts, ReplayRow } from './replay-store';

/** `trigger.replay.finished` on the bus (through the outbox, in the transaction that ended the replay). */
export function replayFinishedEvent(row: ReplayRow, fired: number, date: Date): NewEvent<ReplayFinishedPayload> {
  metrics.triggerReplays.inc({ status: row.status });
  return {
    app: REPLAY_EVENTS_APP,
    version: REPLAY_EVENTS_VERSION,
    type: REPLAY_FINISHED_EVENT,
    payload: { id: row.id, status: row.status, dry_run: row.dry_run, matched: row.matched, already_fired: row.already_fired, fired },
    date,
  };
}

/** An aborted replay's starts still queued in flow control: dropped, each a `skipped(replay_aborted)` decision on the bus. */
export async function dropAbortedStarts(m: EntityManager, replayId: string, now: Date): Promise<Array<NewEvent<Record<string, unknown>>>> {
  const dropped = await dropQueuedStarts(m, replayId);
  return dropped.map((d) => {
    metrics.triggerFlowDecisions.inc({ trigger_id: d.trigger_id, outcome: 'skipped', reason: 'replay_aborted' });
    return decisionEvent({ id: d.id, triggerID: d.trigger_id, eventID: d.event_id, outcome: 'skipped', reason: 'replay_aborted' }, now);
  });
}
