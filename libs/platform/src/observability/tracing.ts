/**
 * OpenTelemetry tracing for a service, and the W3C `traceparent` helpers the messaging code uses.
 *
 * `startTracing(service)` must run before any other module is loaded (each app's `main.ts` imports
 * `@wfp/platform/tracing` on its first line), so the http and pg instrumentations can patch those
 * modules when they are first required. It starts the SDK only when `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is set; otherwise nothing is loaded and every helper below is a cheap no-op.
 *
 * This file imports only `@opentelemetry/api` at load time (the SDK is required lazily).
 */
import { context, Context, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';

let enabled = false;
let shutdown: (() => Promise<void>) | undefined;

/** Whether the tracing SDK was started in this process. */
export function tracingEnabled(): boolean {
  return enabled;
}

/**
 * Starts the OpenTelemetry SDK (OTLP over HTTP/JSON to `OTEL_EXPORTER_OTLP_ENDPOINT`, http and pg
 * instrumentation) when that variable is set. Idempotent. Returns whether tracing is on.
 */
export function startTracing(service: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (enabled) return true;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || service,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
    // Traces only: metrics are Prometheus (/metrics), logs are stdout (the SDK would default both to OTLP).
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes are not traced.
        ignoreIncomingRequestHook: (req) => /^\/(metrics|healthz|readyz)(\?|$)/.test(req.url ?? ''),
      }),
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  enabled = true;
  shutdown = () => sdk.shutdown();
  const stop = () => void shutdown?.().catch(() => undefined);
  process.once('beforeExit', stop);
  return true;
}

/** Flushes and stops the SDK (spans still buffered are exported). */
export async function stopTracing(): Promise<void> {
  await shutdown?.();
}

/** The platform's tracer (a no-op tracer when tracing is off). */
export function tracer(): Tracer {
  return trace.getTracer('wfp');
}

/** Headers as the NATS client exposes them. */
interface HeaderCarrier {
  get(key: string): string;
  set(key: string, value: string): void;
}

const natsSetter = { set: (carrier: HeaderCarrier, key: string, value: string) => carrier.set(key, value) };
const natsGetter = {
  get: (carrier: HeaderCarrier | undefined, key: string) => carrier?.get(key) || undefined,
  keys: () => ['traceparent', 'tracestate'],
};

/** Writes the `traceparent` (and `tracestate`) of `ctx` into NATS message headers. */
export function injectTraceHeaders(headers: HeaderCarrier, ctx: Context = context.active()): void {
  if (enabled) propagation.inject(ctx, headers, natsSetter);
}

/** The context carried by a NATS message's headers (ROOT when none). */
export function extractTraceHeaders(headers: HeaderCarrier | undefined): Context {
  return enabled && headers ? propagation.extract(ROOT_CONTEXT, headers, natsGetter) : ROOT_CONTEXT;
}

/** The W3C `traceparent` of the active span (what an outbox row keeps), or null. */
export function currentTraceparent(): string | null {
  if (!enabled) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** The context of a stored `traceparent` (ROOT when null). */
export function contextFromTraceparent(traceparent: string | null | undefined): Context {
  if (!enabled || !traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/**
 * Runs `work` in a new span (child of `parent`, default the active context) and ends it when the
 * returned promise settles, recording an error. Without tracing, just runs `work`.
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  work: (span?: Span) => Promise<T>,
): Promise<T> {
  if (!enabled) return work();
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
    throw error;
  } finally {
    span.end();
  }
}

/** A context that carries a span (what a batch consumer hands its handler per event). */
export type TraceContext = Context;

/**
 * A CONSUMER span for one JetStream message of a batch (child of its publisher's `traceparent`),
 * started now and ended by `end` — or undefined when tracing is off.
 */
export function consumerSpan(
  subject: string,
  consumer: string,
  headers: HeaderCarrier | undefined,
): { context: TraceContext; end: (error?: Error) => void } | undefined {
  if (!enabled) return undefined;
  const parent = extractTraceHeaders(headers);
  const span = tracer().startSpan(
    `jetstream process ${subject}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject, 'messaging.consumer.group.name': consumer },
    },
    parent,
  );
  return {
    context: trace.setSpan(parent, span),
    end: (error) => {
      if (error) {
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      }
      span.end();
    },
  };
}

/** `{ traceId, spanId }` of the active span for log lines (empty when tracing is off). */
export function traceLogFields(): Record<string, string> {
  if (!enabled) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

export { SpanKind };
