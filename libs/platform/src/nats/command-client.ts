import { ClientNats, NatsRecordBuilder } from '@nestjs/microservices';
import { EmptyResponseException } from '@nestjs/microservices/errors/empty-response.exception';
import { firstValueFrom, timeout, TimeoutError } from 'rxjs';
import { headers as natsHeaders } from 'nats';
import { natsClientOptions } from './client-options';
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
 * Sends versioned commands to services over NATS request/reply (the NestJS NATS transport)
 * with a bounded wait, the caller's request id in the message headers, and the reply validated
 * against its contract.
 */
export class CommandClient {
  private readonly client: ClientNats;

  constructor(private readonly options: CommandClientOptions) {
    this.client = new ClientNats(natsClientOptions(options.servers, options.name));
  }

  async connect(): Promise<void> {
    await this.client.connect();
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
    const record = new NatsRecordBuilder(payload).setHeaders(headers).build();
    let raw: unknown;
    try {
      raw = await firstValueFrom(
        this.client.send(commandSubject(this.options.namespace, command), record).pipe(timeout(timeoutMs)),
      );
    } catch (error) {
      if (error instanceof TimeoutError) throw new ServiceUnavailableError(command, `no reply within ${timeoutMs} ms`, 'timeout');
      // NATS answers at once with an empty "503 no responders" message when nobody subscribes.
      if (error instanceof EmptyResponseException) throw new ServiceUnavailableError(command, 'no instance is running', 'no_responders');
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
