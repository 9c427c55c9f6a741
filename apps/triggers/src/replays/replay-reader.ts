import { DeliverPolicy, JetStreamClient, JetStreamManager, JsMsg } from 'nats';
import { EventEnvelope, eventEnvelopeSchema } from '@wfp/contracts';
import { durableInfo } from '@wfp/platform';

/** One event read from the stream by a replay: its sequence, stream time, and envelope (or why it is not one). */
export interface StreamEvent {
  seq: number;
  time: Date;
  envelope?: EventEnvelope;
  invalid?: string;
}

/**
 * Reads the events stream in stream order for a replay: an ordered (ephemeral, flow-controlled,
 * never acked) consumer from a sequence or a start time, in batches (every subject of the stream
 * is an event; no subject filter, which NATS servers before 2.10 would refuse for ordered consumers). Nothing here touches the
 * database; a replay commits each batch only after reading it.
 */
export class ReplayReader {
  private consumer?: Awaited<ReturnType<JetStreamClient['consumers']['get']>>;

  constructor(
    private readonly js: JetStreamClient,
    private readonly stream: string,
    private readonly start: { seq: number } | { time: Date },
  ) {}

  /** The next batch (at most `max` events; empty: nothing more in the stream now). */
  async next(max: number, expiresMs = 1000): Promise<StreamEvent[]> {
    this.consumer ??= await this.js.consumers.get(this.stream, {
      ...('seq' in this.start
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.start.seq }
        : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: this.start.time.toISOString() }),
    });
    const batch: StreamEvent[] = [];
    const messages = await this.consumer.fetch({ max_messages: max, expires: expiresMs });
    for await (const msg of messages) {
      batch.push(toStreamEvent(msg));
      if (batch.length >= max) break;
    }
    return batch;
  }

  async close(): Promise<void> {
    await this.consumer?.delete().catch(() => undefined);
  }
}

function toStreamEvent(msg: JsMsg): StreamEvent {
  const seq = msg.seq;
  const time = new Date(Math.floor(msg.info.timestampNanos / 1_000_000));
  try {
    return { seq, time, envelope: eventEnvelopeSchema.parse(JSON.parse(msg.string())) as EventEnvelope };
  } catch (error) {
    return { seq, time, invalid: `invalid event envelope: ${(error as Error).message.split('\n')[0]}` };
  }
}

/**
 * Whether the live matching durables have applied every event of theirs up to stream sequence
 * `seq`: each one's ack floor is at `seq` or beyond, or it has nothing pending nor unacknowledged
 * (a filtered durable's ack floor stays at its last event of the type). A durable that does not
 * exist reads nothing live.
 */
export async function liveMatchingCaughtUp(jsm: JetStreamManager, stream: string, durables: string[], seq: number): Promise<boolean> {
  for (const durable of durables) {
    const info = await durableInfo(jsm, stream, durable);
    if (info && info.ack_floor.stream_seq < seq && (info.num_pending > 0 || info.num_ack_pending > 0)) return false;
  }
  return true;
}
