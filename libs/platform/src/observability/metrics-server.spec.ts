import { metrics } from './metrics';
import { startMetricsServer } from './metrics-server';
import { currentTraceparent, extractTraceHeaders, startTracing, tracingEnabled } from './tracing';
import { ROOT_CONTEXT } from '@opentelemetry/api';

describe('metrics server', () => {
  it('serves /metrics, /healthz and /readyz (503 with the failing dependency named)', async () => {
    let nats = { status: 'up' as 'up' | 'down', error: undefined as string | undefined };
    const server = await startMetricsServer({
      service: 'unit',
      port: 0,
      host: '127.0.0.1',
      checks: { postgres: () => ({ status: 'up' }), nats: () => nats },
    });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      metrics.triggerEvaluations.inc();
      const scrape = await fetch(`${base}/metrics`);
      expect(scrape.status).toBe(200);
      const text = await scrape.text();
      expect(text).toMatch(/^wfp_trigger_evaluations_total\{service="unit"\} [1-9]/m);
      expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      nats = { status: 'down', error: 'connection closed' };
      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toEqual({
        status: 'not_ready',
        checks: { postgres: { status: 'up' }, nats: { status: 'down', error: 'connection closed' } },
      });
      expect((await fetch(`${base}/other`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('says which variable to change when the port is taken', async () => {
    const first = await startMetricsServer({ service: 'unit', port: 0, host: '127.0.0.1', checks: {} });
    try {
      await expect(startMetricsServer({ service: 'orchestrator', port: first.port, host: '127.0.0.1', checks: {} })).rejects.toThrow(
        `METRICS_PORT ${first.port} is already in use: set METRICS_PORT to a free port for orchestrator`,
      );
    } finally {
      await first.close();
    }
  });
});

describe('tracing when OTEL_EXPORTER_OTLP_ENDPOINT is unset', () => {
  it('does not start, and the propagation helpers are no-ops', () => {
    expect(startTracing('unit', {})).toBe(false);
    expect(tracingEnabled()).toBe(false);
    expect(currentTraceparent()).toBeNull();
    expect(extractTraceHeaders({ get: () => '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', set: () => undefined })).toBe(ROOT_CONTEXT);
  });
});
