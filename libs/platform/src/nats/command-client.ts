import { randomUUID } from 'node:crypto';
import { ClientNats } from '@nestjs/microservices';
import { InvalidMessageException } from '@nestjs/microservices/errors/invalid-message.exception';
import { EmptyError } from 'rxjs';
import { ErrorCode, headers as natsHeaders, NatsConnection } from 'nats';
import { natsClientOptions } from './client-options';
import { coalesceWrites } from './coalesced-writes';
import { z } from 'zod';
import { commandSubject, REQUEST_ID_HEADER, Reply, replySchema } from '@wfp/contracts';
import { metrics, secondsSince } from '../observability/metrics';
import { injectTraceHeaders, inSpan, SpanKind } from '../observability/tracing';

/** The owning service did not answer within the timeout (down, overloaded or partitioned). */
export class ServiceUnavailableError extends Error {
  override readonly name = 'ServiceUnavailableError';
  constructor(
    readonly command: string,
    detail: string,
    /** For metrics: `timeout`, `no_responders` or `bus_unavailable`. */
    readonly reason: 'timeout' | 'no_responders' | 'bus_unavailable' = 'timeout',
  ) {
    super(`${detail} (${command})`);
  }
}

/**
 * Whether a send failed because this process has no NATS connection right now (NATS restarting,
 * a network cut): the NestJS client rejects with the string "Connection lost. Trying to
 * reconnect..." while disconnected; nats.js uses codes such as CONNECTION_CLOSED/DISCONNECT.
 */
export function isBusUnavailable(error: unknown): boolean {
  if (typeof error === 'string') return /connection lost|trying to reconnect/i.test(error);
  const code = (error as { code?: unknown } | null)?.code;
  return ['CONNECTION_CLOSED', 'CONNECTION_DRAINING', 'CONNECTION_REFUSED', 'DISCONNECT', 'CONNECTION_TIMEOUT'].includes(String(code));
}

/** The service answered with something that is not a valid reply for this command. */
export class InvalidReplyError extends Error {
  override readonly name = 'InvalidReplyError';
}

export interface CommandClientOptions {
  servers: string[];
  namespace: string;
  timeoutMs: number;
  name?: string;
}

/**
 * Sends versioned commands to services over NATS request/reply with a bounded wait, the caller's
 * request id in the message headers, and the reply validated against its contract.
 *
 * The wire format is the NestJS NATS transport's (the services are Nest microservices): a JSON
 * packet `{pattern, data, id}` out, `{id, response, err, isDisposed}` back. The NestJS client
 * (`ClientNats`) keeps the connection (connect, reconnect, status logs); the request itself goes
 * through nats.js's muxed request (one wildcard inbox subscription for all replies) instead of
 * `ClientNats.send`, which subscribes and unsubscribes a fresh inbox per request: two more
 * protocol operations per command for this process and for the NATS server, plus an rxjs
 * pipeline (the gateway's read path, docs/benchmarks.md "Gateway GET path").
 */
export class CommandClient {
  private readonly client: ClientNats;

  constructor(private readonly options: CommandClientOptions) {
    // noAsyncTraces: no Error (a stack capture) per request for nats.js to append to a failure's
    // stack; a failure is still its NatsError (code TIMEOUT, 503, …), mapped below.
    this.client = new ClientNats({ ...natsClientOptions(options.servers, options.name), noAsyncTraces: true });
  }

  async connect(): Promise<void> {
    coalesceWrites(await this.client.connect());
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Whether the underlying NATS connection is open. */
  isConnected(): boolean {
    const nc = (this.client as unknown as { natsClient?: { isClosed(): boolean } | null }).natsClient;
    return !!nc && !nc.isClosed();
  }

  async send<T extends z.ZodType>(
    command: string,
    payload: unknown,
    dataSchema: T,
    opts: { requestId?: string; timeoutMs?: number } = {},
  ): Promise<Reply<z.infer<T>>> {
    const started = process.hrtime.bigint();
    let outcome = 'exception';
    try {
      const reply = await inSpan(`nats request ${command}`, { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': command } }, () =>
        this.request(command, payload, dataSchema, opts),
      );
      outcome = reply.ok ? 'ok' : 'error_reply';
      return reply;
    } catch (error) {
      outcome =
        error instanceof ServiceUnavailableError ? error.reason : error instanceof InvalidReplyError ? 'invalid_reply' : 'exception';
      metrics.commandClientErrors.inc({ subject: command, reason: outcome });
      throw error;
    } finally {
      metrics.commandClientDuration.observe({ subject: command, outcome }, secondsSince(started));
    }
  }

  private async request<T extends z.ZodType>(
    command: string,
    payload: unknown,
    dataSchema: T,
    opts: { requestId?: string; timeoutMs?: number },
  ): Promise<Reply<z.infer<T>>> {
    const timeoutMs = opts.timeoutMs ?? this.options.timeoutMs;
    const headers = natsHeaders();
    if (opts.requestId) headers.set(REQUEST_ID_HEADER, opts.requestId);
    injectTraceHeaders(headers);
    let raw: unknown;
    try {
      // Rejects with "Connection lost. Trying to reconnect..." while disconnected (isBusUnavailable).
      const nc: NatsConnection = await this.client.connect();
      raw = await requestNest(nc, commandSubject(this.options.namespace, command), payload, headers, timeoutMs);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === ErrorCode.Timeout) throw new ServiceUnavailableError(command, `no reply within ${timeoutMs} ms`, 'timeout');
      // NATS answers at once with an empty "503 no responders" message when nobody subscribes.
      if (code === ErrorCode.NoResponders) throw new ServiceUnavailableError(command, 'no instance is running', 'no_responders');
      if (isBusUnavailable(error)) throw new ServiceUnavailableError(command, 'the message bus is unreachable (reconnecting)', 'bus_unavailable');
      throw error;
    }
    const parsed = replySchemaOf(dataSchema).safeParse(raw);
    if (!parsed.success) {
      throw new InvalidReplyError(`invalid reply to ${command}: ${parsed.error.message}`);
    }
    return parsed.data as Reply<z.infer<T>>;
  }
}

/**
 * One request in the NestJS NATS transport's format over nats.js's muxed request: resolves the
 * handler's response; a handler's error (`err`, e.g. an unhandled exception's
 * `{status: 'error', message}`) is thrown as is, an answer without response is rxjs's EmptyError
 * (what `firstValueFrom(ClientNats.send(...))` gave), a nil payload InvalidMessageException.
 */
async function requestNest(nc: NatsConnection, subject: string, payload: unknown, headers: ReturnType<typeof natsHeaders>, timeoutMs: number): Promise<unknown> {
  if (payload === null || payload === undefined) throw new InvalidMessageException();
  const packet = Buffer.from(JSON.stringify({ pattern: subject, data: payload, id: randomUUID() }));
  const msg = await nc.request(subject, packet, { timeout: timeoutMs, headers });
  const message = JSON.parse(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString('utf8')) as {
    err?: unknown;
    response?: unknown;
    isDisposed?: boolean;
  } | null;
  // A reply not in Nest's format (no err, response nor isDisposed) is the response itself.
  if (message === null || typeof message !== 'object' || (message.err === undefined && message.response === undefined && message.isDisposed === undefined)) return message;
  if (message.err) throw message.err;
  if (message.response === undefined && message.isDisposed) throw new EmptyError();
  return message.response;
}

/** Reply schemas built once per data schema (building a zod union per request costs more than parsing). */
const replySchemas = new WeakMap<z.ZodType, z.ZodType>();
function replySchemaOf(dataSchema: z.ZodType): z.ZodType {
  let schema = replySchemas.get(dataSchema);
  if (!schema) {
    schema = replySchema(dataSchema);
    replySchemas.set(dataSchema, schema);
  }
  return schema;
}
