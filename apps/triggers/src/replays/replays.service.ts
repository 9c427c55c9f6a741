import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { NatsConnection } from 'nats';
import { CreateReplayRequest, eventsStreamName, fail, isUuid, KeysetPage, ok, Replay, Reply } from '@wfp/contracts';
import { APP_CONFIG, Clock, CLOCK, EventPublisher, NATS_CONNECTION } from '@wfp/platform';
import { compile, compileErrorMessage } from '@wfp/expressions';
import type { TriggersConfig } from '../config';
import { dropAbortedStarts, replayFinishedEvent } from './replay-events';
import { abortReplayRow, insertReplay, outcomeCounts, replayRow, replayRows, toReplay } from './replay-store';
import { ReplayWorker } from './replay.worker';

/**
 * Replays (docs/replay.md): created after checking the window against the stream's retention
 * (the stream info is read before the insert, never inside a transaction), read with their
 * progress and counts, listed, aborted. The worker (replay.worker.ts) runs them.
 */
@Injectable()
export class ReplaysService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly worker: ReplayWorker,
    private readonly publisher: EventPublisher,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: TriggersConfig,
  ) {}

  async create(request: CreateReplayRequest): Promise<Reply<Replay>> {
    const now = this.clock.now();
    const from = new Date(request.from);
    const to = request.to ? new Date(request.to) : now;
    if (to.getTime() < from.getTime()) return fail('VALIDATION', `invalid replay: to (${to.toISOString()}) is before from (${from.toISOString()})`);
    if (request.filter) {
      try {
        compile(request.filter);
      } catch (error) {
        return fail('VALIDATION', `invalid replay: filter: ${compileErrorMessage(request.filter, error)}`);
      }
    }
    let triggerIds: string[];
    if (request.triggers === 'all') {
      const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM triggers.triggers WHERE deleted_at IS NULL ORDER BY created_at, id`);
      if (rows.length === 0) return fail('VALIDATION', 'invalid replay: triggers: there is no live trigger to replay');
      triggerIds = rows.map((r) => r.id);
    } else {
      triggerIds = [...new Set(request.triggers)];
      const unknown = triggerIds.find((id) => !isUuid(id));
      const rows: Array<{ id: string }> = unknown ? [] : await this.dataSource.query(`SELECT id FROM triggers.triggers WHERE deleted_at IS NULL AND id = ANY($1::uuid[])`, [triggerIds]);
      const live = new Set(rows.map((r) => r.id));
      const missing = triggerIds.find((id) => !live.has(id));
      if (missing) return fail('VALIDATION', `invalid replay: triggers: trigger ${missing} not found`);
    }

    // The stream's retention: events older than its first retained one are gone.
    const info = await (await this.nc.jetstreamManager()).streams.info(eventsStreamName(this.config.NATS_NAMESPACE));
    const state = info.state;
    if (state.first_seq > 1 && state.messages > 0) {
      const oldest = new Date(state.first_ts);
      if (from.getTime() < oldest.getTime()) {
        return fail(
          'VALIDATION',
          `invalid replay: from (${from.toISOString()}) is older than the events stream retains: the oldest replayable event is from ${oldest.toISOString()}`,
        );
      }
    }
    const row = await insertReplay(this.dataSource, {
      id: randomUUID(),
      from_time: from,
      to_time: to,
      to_seq: String(state.last_seq),
      filter: request.filter ?? null,
      trigger_ids: triggerIds,
      dry_run: request.dry_run,
      force: request.force,
      created_at: now,
    });
    this.worker.wake();
    return ok(toReplay(row));
  }

  async get(id: string): Promise<Reply<Replay>> {
    const row = isUuid(id) ? await replayRow(this.dataSource, id) : undefined;
    if (!row) return fail('NOT_FOUND', `replay ${id} not found`);
    return ok(toReplay(row, (await outcomeCounts(this.dataSource, [id])).get(id)));
  }

  async list(page?: KeysetPage): Promise<Reply<Replay[]>> {
    const rows = await replayRows(this.dataSource, page);
    const counts = await outcomeCounts(this.dataSource, rows.map((r) => r.id));
    return ok(rows.map((row) => toReplay(row, counts.get(row.id))));
  }

  /** Stops a running replay: no new start from it (its starts still queued in flow control are dropped in the same transaction). */
  async abort(id: string): Promise<Reply<Replay>> {
    if (!isUuid(id)) return fail('NOT_FOUND', `replay ${id} not found`);
    const now = this.clock.now();
    const aborted = await this.dataSource.transaction(async (m) => {
      const row = await abortReplayRow(m, id, now);
      if (!row) return undefined;
      const events = await dropAbortedStarts(m, id, now);
      const fired = Object.values((await outcomeCounts(m, [id])).get(id) ?? {}).reduce((a, b) => a + b, 0);
      await this.publisher.publishMany(m, [...events, replayFinishedEvent(row, fired, now)]);
      return row;
    });
    this.publisher.flush();
    if (!aborted) {
      const row = await replayRow(this.dataSource, id);
      return row ? fail('VALIDATION', `replay ${id} is ${row.status}`) : fail('NOT_FOUND', `replay ${id} not found`);
    }
    this.worker.wake();
    return this.get(id);
  }
}
