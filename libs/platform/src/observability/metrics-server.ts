/**
 * The operations HTTP server of a NATS service (its own port, `METRICS_PORT`): `GET /metrics`
 * (Prometheus text format), `GET /healthz` (liveness: the process serves) and `GET /readyz`
 * (readiness: its dependencies answer; 503 otherwise). Nothing else is served.
 */
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DependencyStatus, ServiceName } from '@wfp/contracts';
import { metricsRegistry } from './metrics';

/** Local default ports, distinct so the whole platform runs on one machine. */
export const DEFAULT_METRICS_PORTS: Record<ServiceName, number> = {
  orchestrator: 9464,
  triggers: 9465,
  interventions: 9466,
};

export interface MetricsServerOptions {
  service: string;
  port: number;
  host?: string;
  /** Readiness checks by dependency name. */
  checks: Record<string, () => Promise<DependencyStatus> | DependencyStatus>;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the server; rejects with a clear message when the port is taken. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const registry = metricsRegistry(options.service);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics collection failed: ${error.message}`),
      );
    } else if (path === '/healthz') {
      json(res, 200, { status: 'ok' });
    } else if (path === '/readyz') {
      void readiness(options.checks).then(({ ready, checks }) =>
        json(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', checks }),
      );
    } else {
      json(res, 404, { error: 'not found' });
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`METRICS_PORT ${options.port} is already in use: set METRICS_PORT to a free port for ${options.service}`)
          : error,
      ),
    );
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readiness(
  checks: MetricsServerOptions['checks'],
): Promise<{ ready: boolean; checks: Record<string, DependencyStatus> }> {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map(async (name) => {
      try {
        return await checks[name]();
      } catch (error) {
        return { status: 'down', error: (error as Error).message } as DependencyStatus;
      }
    }),
  );
  const out: Record<string, DependencyStatus> = {};
  names.forEach((name, i) => (out[name] = results[i]));
  return { ready: results.every((r) => r.status === 'up'), checks: out };
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
