import { randomBytes } from 'node:crypto';
import { eventually, PlatformUnderTest } from '@wfp/testing';
import { OtlpReceiver, ReceivedSpan } from './otlp-receiver';

const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

/**
 * Traces of the real platform (built dist/) exported over OTLP/HTTP JSON to a receiver in the
 * test: a request's trace runs from the gateway through the NATS command into the orchestrator
 * and its SQL; an event's trace runs from the gateway's publish through JetStream to the trigger
 * match, the instance start, and on through the orchestrator's outbox to the next consumer.
 */
describe('OpenTelemetry traces across services', () => {
  let platform: PlatformUnderTest;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    platform = await PlatformUnderTest.start({
      label: 'obs_traces',
      services: ['orchestrator', 'triggers', 'gateway'],
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        ORCHESTRATOR_POLL_INTERVAL_MS: '50',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
  });

  /** A W3C traceparent the test controls, so it can find the trace the platform continued. */
  const newTraceparent = () => {
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
  };

  const post = (path: string, body: unknown, traceparent: string) =>
    fetch(`${platform.url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', traceparent },
      body: JSON.stringify(body),
    });

  const isDescendant = (spans: ReceivedSpan[], span: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (let current = span.parentSpanId ? byId.get(span.parentSpanId) : undefined; current; current = current.parentSpanId ? byId.get(current.parentSpanId) : undefined) {
      if (current.spanId === ancestor.spanId) return true;
    }
    return false;
  };

  const find = (spans: ReceivedSpan[], what: string, match: (s: ReceivedSpan) => boolean): ReceivedSpan => {
    const found = spans.find(match);
    if (!found) throw new Error(`no ${what} among ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
    return found;
  };

  const isSql = (s: ReceivedSpan) => s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql';

  let workflowId: string;

  it('follows a request: gateway HTTP → NATS command → orchestrator handler → its SQL', async () => {
    const tp = newTraceparent();
    const res = await post('/api/orchestration/workflows', { name: 'traced', stages: [{ noop: {} }] }, tp.header);
    expect(res.status).toBe(201);
    workflowId = ((await res.json()) as { data: { id: string } }).data.id;

    const command = 'orchestrator.v1.workflows.create';
    const spans = await eventually(
      () => {
        const trace = receiver.trace(tp.traceId);
        // Each service exports its own batches: wait for the spans of all of them.
        const handled = trace.find((s) => s.service === 'orchestrator' && s.name === `nats handle ${command}`);
        const complete =
          handled &&
          trace.some((s) => isSql(s) && isDescendant(trace, s, handled)) &&
          trace.some((s) => s.service === 'gateway' && s.kind === SERVER) &&
          trace.some((s) => s.service === 'gateway' && s.kind === CLIENT);
        return complete ? trace : undefined;
      },
      { timeoutMs: 20_000, what: 'the request trace' },
    );
    const http = find(spans, 'gateway server span', (s) => s.service === 'gateway' && s.kind === SERVER);
    expect(http.parentSpanId).toBe(tp.parentId);
    expect(http.name).toBe('POST /api/orchestration/workflows');
    expect(http.attributes['http.route']).toBe('/api/orchestration/workflows');
    expect(http.attributes['wfp.request_id']).toEqual(expect.any(String));
    const client = find(spans, 'command client span', (s) => s.service === 'gateway' && s.kind === CLIENT && s.name === `nats request ${command}`);
    expect(isDescendant(spans, client, http)).toBe(true);
    const server = find(spans, 'command server span', (s) => s.service === 'orchestrator' && s.kind === SERVER && s.name === `nats handle ${command}`);
    expect(server.parentSpanId).toBe(client.spanId);
    const sql = spans.filter((s) => s.service === 'orchestrator' && isSql(s));
    expect(sql.length).toBeGreaterThan(0);
    expect(sql.every((s) => isDescendant(spans, s, server))).toBe(true);

    // The orchestrator's log lines for that command carry the trace id.
    const logged = platform.logLines('orchestrator').filter((line) => line.traceId === tp.traceId);
    expect(logged.some((line) => line.msg === 'command handled')).toBe(true);
  });

  it('follows an event: publish → JetStream → trigger match → instance start → outbox → next consumer', async () => {
    const tp0 = newTraceparent();
    expect((await post('/api/orchestration/triggers', { event: 'order.placed', workflowID: workflowId, filter: 'event.total > 100' }, tp0.header)).status).toBe(201);
    // A reader of STARTED_WORKFLOW (services read only the event types they need): a trigger that never fires.
    expect((await post('/api/orchestration/triggers', { event: 'STARTED_WORKFLOW', workflowID: workflowId, filter: 'false' }, tp0.header)).status).toBe(201);

    const tp = newTraceparent();
    expect((await post('/api/events', { app: 'shop', version: 'v1', type: 'order.placed', payload: { total: 500 } }, tp.header)).status).toBe(202);

    // The matcher starts a batch's instances with one start-many command.
    const start = 'orchestrator.v1.instances.start-many';
    const spans = await eventually(
      () => {
        const trace = receiver.trace(tp.traceId);
        const ok =
          trace.some((s) => s.service === 'gateway' && s.kind === SERVER) &&
          trace.some((s) => s.service === 'triggers' && s.kind === CLIENT && s.name === `nats request ${start}`) &&
          trace.some((s) => s.service === 'triggers' && s.name === 'trigger fire') &&
          trace.some((s) => s.service === 'orchestrator' && isSql(s)) &&
          trace.some((s) => s.service === 'orchestrator' && s.name === `nats handle ${start}`) &&
          trace.some((s) => s.service === 'triggers' && s.kind === CONSUMER && s.name.includes('STARTED_WORKFLOW')) &&
          // The matching consumer's span ends last (after its children): wait until it is exported too.
          trace.some((s) => s.service === 'triggers' && s.kind === CONSUMER && s.name.includes('order.placed'));
        return ok ? trace : undefined;
      },
      { timeoutMs: 30_000, what: 'the event trace' },
    );
    const http = find(spans, 'gateway server span', (s) => s.service === 'gateway' && s.kind === SERVER);
    expect(http.parentSpanId).toBe(tp.parentId);
    // JetStream: the consumer's span is a child of the publishing request (traceparent header).
    const consumed = find(spans, 'matching consumer span', (s) => s.service === 'triggers' && s.kind === CONSUMER && s.name.includes('order.placed'));
    expect(consumed.parentSpanId).toBe(http.spanId);
    expect(consumed.attributes['messaging.consumer.group.name']).toBe('triggers-matching');
    const fire = find(spans, 'trigger fire span', (s) => s.service === 'triggers' && s.name === 'trigger fire');
    expect(isDescendant(spans, fire, consumed)).toBe(true);
    const client = find(spans, 'start client span', (s) => s.service === 'triggers' && s.kind === CLIENT && s.name === `nats request ${start}`);
    expect(isDescendant(spans, client, fire)).toBe(true);
    const server = find(spans, 'start server span', (s) => s.service === 'orchestrator' && s.kind === SERVER && s.name === `nats handle ${start}`);
    expect(server.parentSpanId).toBe(client.spanId);
    expect(spans.some((s) => s.service === 'orchestrator' && isSql(s) && isDescendant(spans, s, server))).toBe(true);
    // The outbox row of STARTED_WORKFLOW kept the start's traceparent: its consumer (the
    // matcher, for the trigger on STARTED_WORKFLOW) continues the trace.
    const lifecycle = find(spans, 'lifecycle consumer span', (s) => s.service === 'triggers' && s.kind === CONSUMER && s.name.includes('STARTED_WORKFLOW'));
    expect(lifecycle.parentSpanId).toBe(server.spanId);
  });
});
