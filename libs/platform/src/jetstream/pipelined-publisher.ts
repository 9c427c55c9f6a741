import { createInbox, headers as natsHeaders, Msg, NatsConnection, Subscription } from 'nats';

export interface PipelinedMessage {
  subject: string;
  data: Uint8Array;
  /** `Nats-Msg-Id`: JetStream drops a second message with the same id (its duplicate window). */
  msgId: string;
  /** W3C trace context to carry in the `traceparent` header (tracing). */
  traceparent?: string;
}

interface Waiter {
  left: number;
  failure?: Error;
  done: (error?: Error) => void;
}

/**
 * Publishes a batch to JetStream pipelined: every message is written synchronously in one tick
 * (so the NATS client flushes them in one socket write) with its own reply subject under ONE
 * inbox subscription, and the batch resolves when every PubAck arrived — or rejects on the first
 * error, a "no responders" status, or after `timeoutMs` (the caller retries the batch: the
 * message ids make a re-publish harmless). Unlike `js.publish`, no per-message request, timer
 * or promise.
 */
export class PipelinedPublisher {
  private readonly prefix = `${createInbox()}.`;
  private subscription?: Subscription;
  private readonly waiting = new Map<number, Waiter>();
  private nextToken = 0;
  private readonly decoder = new TextDecoder();

  constructor(private readonly nc: NatsConnection) {}

  async publishAll(messages: readonly PipelinedMessage[], timeoutMs = 10_000): Promise<void> {
    if (messages.length === 0) return;
    this.subscription ??= this.nc.subscribe(`${this.prefix}*`, { callback: (error, msg) => this.onAck(error, msg) });
    const tokens: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        left: messages.length,
        done: (error) => {
          clearTimeout(timer);
          for (const token of tokens) this.waiting.delete(token);
          if (error) reject(error);
          else resolve();
        },
      };
      const timer = setTimeout(() => waiter.done(new Error(`JetStream publish: ${waiter.left} of ${messages.length} acks missing after ${timeoutMs} ms`)), timeoutMs);
      for (const message of messages) {
        const token = this.nextToken++;
        tokens.push(token);
        this.waiting.set(token, waiter);
        const h = natsHeaders();
        h.set('Nats-Msg-Id', message.msgId);
        h.set('Content-Type', 'application/json');
        if (message.traceparent) h.set('traceparent', message.traceparent);
        this.nc.publish(message.subject, message.data, { reply: `${this.prefix}${token}`, headers: h });
      }
    });
  }

  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  private onAck(error: Error | null, msg: Msg): void {
    const token = Number(msg.subject.slice(this.prefix.length));
    const waiter = this.waiting.get(token);
    if (!waiter) return;
    this.waiting.delete(token);
    let failure: Error | undefined = error ?? undefined;
    if (!failure && msg.headers?.hasError) failure = new Error(`JetStream publish: ${msg.headers.code} ${msg.headers.description}`);
    // A PubAck is `{"stream":…,"seq":…}`; only an error answer is parsed.
    if (!failure && (msg.data.length === 0 || this.decoder.decode(msg.data).includes('"error"'))) {
      try {
        const ack = JSON.parse(this.decoder.decode(msg.data)) as { error?: { description?: string } };
        failure = new Error(`JetStream publish: ${ack.error?.description ?? 'error'}`);
      } catch {
        failure = new Error('JetStream publish: unreadable ack');
      }
    }
    if (failure) return waiter.done(failure);
    if (--waiter.left === 0) waiter.done();
  }
}
