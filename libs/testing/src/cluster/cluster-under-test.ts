import { ChildProcess, spawn } from 'node:child_process';
import { ALL_SERVICES, assertNoDefaultPort, freePort, serviceMainPath, ServiceName } from '../platform-under-test';
import { createTestDatabase, TestDatabase } from '../test-database';
import { createTestNamespace, removeTestNamespace } from '../test-namespace';
import { eventually } from '../eventually';

export type Replicas = Partial<Record<ServiceName, number>>;

interface Replica {
  service: ServiceName;
  index: number;
  port?: number;
  process?: ChildProcess;
  exited?: Promise<number | null>;
  lines: string[];
}

export interface ClusterOptions {
  label?: string;
  /** NATS_URL of every service (a comma-separated list for a cluster). */
  natsUrl: string;
  /** Replicas per service (default 2 of each). */
  replicas?: Replicas;
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Keep at most this many output lines per replica (default 2000). */
  keepLines?: number;
}

/**
 * The platform with N replicas of each service (built `dist/` processes) on one fresh database
 * and one fresh NATS namespace: replicas are addressed as `service#index`, each gateway replica
 * has its own HTTP port. For scale-out tests that crash and restart replicas.
 */
export class ClusterUnderTest {
  readonly replicas: Replica[] = [];

  private constructor(
    readonly database: TestDatabase,
    readonly namespace: string,
    private readonly options: ClusterOptions,
  ) {}

  static async start(options: ClusterOptions): Promise<ClusterUnderTest> {
    const label = options.label ?? 'cluster';
    const cluster = new ClusterUnderTest(await createTestDatabase(label), createTestNamespace(label), options);
    const counts = { orchestrator: 2, triggers: 2, interventions: 2, gateway: 2, ...options.replicas };
    for (const service of ALL_SERVICES) {
      for (let index = 0; index < (counts[service] ?? 0); index++) {
        cluster.replicas.push({ service, index, lines: [], port: service === 'gateway' ? await freePort() : undefined });
      }
    }
    try {
      // The first replica of each service alone (it applies the migrations), then the others at once.
      for (const service of ALL_SERVICES) {
        const first = cluster.replicas.find((r) => r.service === service && r.index === 0);
        if (first) await cluster.startReplica(service, 0);
      }
      await Promise.all(cluster.replicas.filter((r) => r.index > 0).map((r) => cluster.startReplica(r.service, r.index)));
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The HTTP base URL of each gateway replica. */
  get gatewayUrls(): string[] {
    return this.replicas.filter((r) => r.service === 'gateway').map((r) => `http://127.0.0.1:${r.port}`);
  }

  replica(service: ServiceName, index: number): Replica {
    const replica = this.replicas.find((r) => r.service === service && r.index === index);
    if (!replica) throw new Error(`no replica ${service}#${index}`);
    return replica;
  }

  /** Spawns a replica (again) and waits until it serves. */
  async startReplica(service: ServiceName, index: number): Promise<void> {
    const replica = this.replica(service, index);
    if (replica.process) return;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: this.database.url,
      NATS_URL: this.options.natsUrl,
      NATS_NAMESPACE: this.namespace,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      // Replicas share the host: each metrics/health server takes a free port.
      METRICS_PORT: '0',
      ...(replica.port ? { PORT: String(replica.port) } : {}),
      ...this.options.env,
      ...this.options.serviceEnv?.[service],
    };
    assertNoDefaultPort(service, env);
    const child = spawn(process.execPath, [serviceMainPath(service)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = this.options.keepLines ?? 2000;
    const firstLine = replica.lines.length;
    const collect = (chunk: Buffer) => {
      replica.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (replica.lines.length > keep * 2) replica.lines.splice(0, replica.lines.length - keep);
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    replica.process = child;
    let exitCode: number | null | undefined;
    replica.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        exitCode = code;
        resolve(code);
      }),
    );
    const ready = service === 'gateway' ? 'gateway listening' : `${service} is serving commands`;
    const from = Math.min(firstLine, replica.lines.length);
    await eventually(
      () => {
        if (exitCode !== undefined) throw new Error(`${service}#${index} exited with ${exitCode}`);
        return replica.lines.slice(from).some((line) => line.includes(ready));
      },
      { timeoutMs: 90_000, intervalMs: 100, what: `${service}#${index} to start` },
    ).catch((error: Error) => {
      child.kill('SIGKILL');
      replica.process = undefined;
      throw new Error(`${error.message}\n--- ${service}#${index} output ---\n${replica.lines.slice(-30).join('\n')}`);
    });
  }

  /** Stops a replica: SIGKILL (a crash, the default here) or SIGTERM (graceful). */
  async stopReplica(service: ServiceName, index: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const replica = this.replica(service, index);
    const child = replica.process;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await replica.exited;
    clearTimeout(timer);
    replica.process = undefined;
  }

  /** Output lines of a replica parsed as JSON where possible. */
  logLines(service: ServiceName, index: number): Array<Record<string, unknown>> {
    return this.replica(service, index).lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => this.stopReplica(r.service, r.index, 'SIGTERM')));
    await this.database.drop().catch(() => undefined);
    await removeTestNamespace(this.namespace, this.options.natsUrl.split(',')[0]).catch(() => undefined);
  }
}
