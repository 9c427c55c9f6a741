import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createTestDatabase, TestDatabase } from './test-database';
import { createTestNamespace, removeTestNamespace, testNatsUrl } from './test-namespace';
import { eventually } from './eventually';

export type ServiceName = 'gateway' | 'orchestrator' | 'triggers' | 'interventions';
export const ALL_SERVICES: ServiceName[] = ['orchestrator', 'triggers', 'interventions', 'gateway'];

/** The repository root (from libs/testing/src, or dist/libs/testing/src once built). */
const ROOT = findRoot(__dirname);

function findRoot(dir: string): string {
  for (let current = dir; current !== dirname(current); current = dirname(current)) {
    if (existsSync(join(current, 'nx.json'))) return current;
  }
  throw new Error('repository root (nx.json) not found above ' + dir);
}

/** The built entry point of a service (run `npm run build` first). */
export function serviceMainPath(service: ServiceName): string {
  return join(ROOT, 'dist', 'apps', service, 'src', 'main.js');
}

/** A free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * The ports `npm start` listens on (gateway PORT, each service's METRICS_PORT). A platform under
 * test never takes them, so `npm test` passes beside a running `npm start`.
 */
export const DEFAULT_PLATFORM_PORTS: readonly number[] = [8080, 9464, 9465, 9466];

/**
 * Throws when a service of a test would listen on a default port: the gateway's `PORT`, the
 * others' `METRICS_PORT`, unset (the default) or set to one of DEFAULT_PLATFORM_PORTS.
 */
export function assertNoDefaultPort(service: ServiceName, env: Record<string, string | undefined>): void {
  const variable = service === 'gateway' ? 'PORT' : 'METRICS_PORT';
  const value = env[variable];
  if (value === undefined || value === '' || DEFAULT_PLATFORM_PORTS.includes(Number(value))) {
    throw new Error(
      `${service}: ${variable}=${value ?? '(unset)'} is a default port of \`npm start\`; a test takes a free one (freePort(), or 0)`,
    );
  }
}

interface RunningService {
  process: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

export interface PlatformOptions {
  label?: string;
  services?: ServiceName[];
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Extra environment per service. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
}

/**
 * The whole platform as real processes (the built `dist/` of each app) against a fresh database
 * and a fresh NATS namespace of its own, on the real local Postgres and NATS.
 */
export class PlatformUnderTest {
  private readonly running = new Map<ServiceName, RunningService>();
  private readonly logs = new Map<ServiceName, string[]>();
  /** Each NATS service's operations port (METRICS_PORT: /metrics, /healthz, /readyz). */
  private readonly metricsPorts = new Map<ServiceName, number>();

  private constructor(
    readonly database: TestDatabase,
    readonly namespace: string,
    readonly port: number,
    private readonly options: PlatformOptions,
  ) {}

  static async start(options: PlatformOptions = {}): Promise<PlatformUnderTest> {
    const label = options.label ?? 'e2e';
    const platform = new PlatformUnderTest(
      await createTestDatabase(label),
      createTestNamespace(label),
      await freePort(),
      options,
    );
    try {
      // Services first (they create the schema), the gateway last.
      for (const service of options.services ?? ALL_SERVICES) await platform.startService(service);
    } catch (error) {
      await platform.stop();
      throw error;
    }
    return platform;
  }

  /** Where a service serves /metrics (the gateway: its main port). */
  metricsUrl(service: ServiceName): string {
    if (service === 'gateway') return `${this.url}/metrics`;
    const port = this.metricsPorts.get(service);
    if (!port) throw new Error(`${service} was never started`);
    return `http://127.0.0.1:${port}/metrics`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  env(service: ServiceName): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      // Profiling and statement counting of the services under test (docs/benchmarks.md).
      ...(process.env.SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SERVICE_NODE_OPTIONS } : {}),
      DATABASE_URL: this.database.url,
      NATS_URL: testNatsUrl(),
      NATS_NAMESPACE: this.namespace,
      PORT: String(this.port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      ...this.options.env,
      ...this.options.serviceEnv?.[service],
    };
  }

  /** Spawns a service and waits until it serves (commands, or HTTP for the gateway). */
  async startService(service: ServiceName, extraEnv: Record<string, string> = {}): Promise<void> {
    if (service !== 'gateway' && !this.metricsPorts.has(service)) this.metricsPorts.set(service, await freePort());
    const metricsEnv: Record<string, string> =
      service === 'gateway' ? {} : { METRICS_PORT: String(this.metricsPorts.get(service)), METRICS_HOST: '127.0.0.1' };
    const env = { ...metricsEnv, ...this.env(service), ...extraEnv };
    assertNoDefaultPort(service, env);
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', service, 'src', 'main.js')], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = this.logs.get(service) ?? [];
    this.logs.set(service, lines);
    const firstLineOfThisRun = lines.length;
    const collect = (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    this.running.set(service, { process: child, lines, exited });
    const ready = service === 'gateway' ? 'gateway listening' : `${service} is serving commands`;
    let exitCode: number | null | undefined;
    void exited.then((code) => (exitCode = code));
    await eventually(
      () => {
        if (exitCode !== undefined) throw new Error(`${service} exited with ${exitCode}:\n${lines.slice(-20).join('\n')}`);
        return lines.slice(firstLineOfThisRun).some((line) => line.includes(ready));
      },
      { timeoutMs: 30_000, what: `${service} to start` },
    ).catch((error: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${error.message}\n--- ${service} output ---\n${lines.slice(-30).join('\n')}`);
    });
  }

  /** Stops a service: SIGTERM (graceful) or SIGKILL (a crash). */
  async stopService(service: ServiceName, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const running = this.running.get(service);
    if (!running) return;
    this.running.delete(service);
    if (running.process.exitCode === null && running.process.signalCode === null) running.process.kill(signal);
    const timeout = setTimeout(() => running.process.kill('SIGKILL'), 15_000);
    await running.exited;
    clearTimeout(timeout);
  }

  /** Everything a service printed (over all its runs), as text. */
  logText(service: ServiceName): string {
    return (this.logs.get(service) ?? []).join('\n');
  }

  /** Every line a service printed (over all its runs), parsed as JSON where possible. */
  logLines(service: ServiceName): Array<Record<string, unknown>> {
    return (this.logs.get(service) ?? []).flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.keys()].map((service) => this.stopService(service)));
    await this.database.drop().catch(() => undefined);
    await removeTestNamespace(this.namespace).catch(() => undefined);
  }
}
