import { Injectable } from '@nestjs/common';
import { EVENT_TYPE_PATTERN } from '@wfp/contracts';
import type { SqlQuery } from './sql-query';

/**
 * The event types the bus-wait consumer reads (`bus_wait_types`): every type a `wait_for_event`
 * wait, a `cancel_on` or `wait_for_events` matcher or a lookback has named. The consumer reads
 * one JetStream durable per type (runtime/bus-wait.consumer.ts), so events of every other type
 * never reach the orchestrator.
 *
 * How no event a wait needs is missed: a type is recorded in the transaction that begins its
 * first wait (or before a lookback is registered), so `since` is no later than any wait's
 * `began_at`; its durable, created after that commit (by this process at once, or by any
 * replica's next refresh after a crash), starts at the first message the stream stored from
 * `since` less a margin (clock skew) — before every event a wait of the type can match. Rows are
 * never deleted, so a type this process knows is recorded for good and costs no statement again.
 */
@Injectable()
export class BusWaitTypes {
  /** Types known to be recorded (committed). */
  private readonly known = new Set<string>();
  private readonly listeners: Array<(types: string[]) => void> = [];

  /**
   * Records the types this process does not know yet (inside the caller's transaction, before
   * its waits); answers them, to pass to {@link recorded} once that transaction committed. Types
   * that are not event types (no event can have them) need no durable and are left out.
   */
  async record(query: SqlQuery, types: Iterable<string>): Promise<string[]> {
    const unknown = [...new Set(types)].filter((type) => !this.known.has(type) && EVENT_TYPE_PATTERN.test(type)).sort();
    if (unknown.length === 0) return [];
    await query(`INSERT INTO orchestrator.bus_wait_types (event_type) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [unknown]);
    return unknown;
  }

  /** After the commit of {@link record}'s transaction: the types are recorded; the consumer hears of them. */
  recorded(types: readonly string[]): void {
    if (types.length === 0) return;
    for (const type of types) this.known.add(type);
    for (const listener of this.listeners) listener([...types]);
  }

  /** Records the types at once (one autocommit statement, e.g. before a lookback is registered). */
  async recordNow(query: SqlQuery, types: Iterable<string>): Promise<void> {
    this.recorded(await this.record(query, types));
  }

  /** Every recorded type and when it was first recorded (sorted by type). */
  async all(query: SqlQuery): Promise<Array<{ type: string; since: Date }>> {
    const rows: Array<{ event_type: string; since: Date }> = await query(`SELECT event_type, since FROM orchestrator.bus_wait_types ORDER BY event_type`, []);
    for (const row of rows) this.known.add(row.event_type);
    return rows.map((row) => ({ type: row.event_type, since: row.since }));
  }

  onRecorded(listener: (types: string[]) => void): void {
    this.listeners.push(listener);
  }
}
