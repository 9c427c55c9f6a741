import type { NatsConnection } from 'nats';

/** The part of nats.js's protocol handler (`nc.protocol`, internal) that queues and writes commands. */
interface ProtocolInternals {
  outbound: { length(): number; size(): number; fill(data: Uint8Array, ...more: Uint8Array[]): void };
  pendingLimit: number;
  flushPending(): void;
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
}

const encoder = new TextEncoder();

/**
 * Writes the NATS commands of one event-loop turn to the socket together.
 *
 * nats.js queues every command (PUB, SUB, …) and writes the queue in a microtask after the first
 * one: a command sent from its own I/O callback (one per HTTP request in the gateway, one per
 * finished query in a service) is its own socket write, a syscall and a wake-up of the NATS
 * server each. Here the write is deferred to `setImmediate` instead, which runs once the poll
 * phase has run every ready I/O callback, so the commands of one turn go out in one write. The
 * bytes and their order are unchanged; a queue over the client's threshold (32 KiB) is still
 * written at once, and `flush()` (PING) still writes everything queued before it.
 * A nats.js without this internal shape is left as it is.
 */
export function coalesceWrites(nc: NatsConnection): void {
  const protocol = (nc as unknown as { protocol?: Partial<ProtocolInternals> }).protocol;
  if (!protocol || typeof protocol.sendCommand !== 'function' || typeof protocol.flushPending !== 'function' || !protocol.outbound) return;
  protocol.sendCommand = function sendCommand(this: ProtocolInternals, cmd: string | Uint8Array, ...payloads: Uint8Array[]): void {
    const wasEmpty = this.outbound.length() === 0;
    this.outbound.fill(typeof cmd === 'string' ? encoder.encode(cmd) : cmd, ...payloads);
    if (wasEmpty) setImmediate(() => this.flushPending());
    else if (this.outbound.size() >= this.pendingLimit) this.flushPending();
  };
}
