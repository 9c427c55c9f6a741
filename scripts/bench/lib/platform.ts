/**
 * The platform under benchmark: the built services as processes on their own database and NATS
 * namespace, a command client, and a watcher of the orchestrator's lifecycle events on the bus
 * (how the benchmark sees instances start and finish, without reading the orchestrator's tables).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { connect, NatsConnection, StringCodec, Subscription } from 'nats';
import { COMMANDS, eventsSubjectRoot, EventEnvelope, startManyInstancesReplyDataSchema, workflowInstanceSchema, workflowSchema } from '@wfp/contracts';
import { CommandClient } from '@wfp/platform';
import { eventually, PlatformOptions, PlatformUnderTest, testNatsUrl } from '@wfp/testing';

/** Repository root, from dist/scripts/bench/lib. */
export const ROOT = join(__dirname, '..', '..', '..', '..');

/** What the bus told about one instance. */
export interface InstanceSeen {
  workflowId: string;
  startedAt?: number;
  completedAt?: number;
  failed?: string;
  /** STARTED_WORKFLOW_STAGE events per stage number (more than one = a stage ran twice). */
  stageStarts: Map<number, number>;
}

/** Follows `<ns>.events.orchestration.v2.*` (instance/stage lifecycle and trigger occurrences). */
export class LifecycleWatcher {
  readonly instances = new Map<string, InstanceSeen>();
  /** Completed instances per workflow id. */
  readonly completedByWorkflow = new Map<string, number>();
  /** SUCCEEDED_TRIGGER events per trigger id, and the date of the last one. */
  readonly occurrencesByTrigger = new Map<string, number>();
  readonly lastOccurrenceAt = new Map<string, number>();
  duplicateStageStarts = 0;
  private sub?: Subscription;

  constructor(
    private readonly nc: NatsConnection,
    private readonly namespace: string,
  ) {}

  start(): void {
    const sc = StringCodec();
    this.sub = this.nc.subscribe(`${eventsSubjectRoot(this.namespace)}.orchestration.v2.*`);
    void (async () => {
      for await (const msg of this.sub!) {
        const event = JSON.parse(sc.decode(msg.data)) as EventEnvelope;
        this.observe(event);
      }
    })();
  }

  private instance(id: string, workflowId: string): InstanceSeen {
    let seen = this.instances.get(id);
    if (!seen) this.instances.set(id, (seen = { workflowId, stageStarts: new Map() }));
    return seen;
  }

  /** Envelope ids seen: a re-publish of the same outbox row (deduplicated by JetStream, but
   * still delivered to plain subscribers) is not a second transition. */
  private readonly seen = new Set<string>();

  private observe(event: EventEnvelope): void {
    if (this.seen.has(event.id)) return;
    this.seen.add(event.id);
    const p = event.payload as { id?: string; instanceID?: string; number?: number; triggerID?: string; error?: string };
    const date = Date.parse(event.date);
    switch (event.type) {
      case 'STARTED_WORKFLOW':
        this.instance(p.instanceID!, p.id!).startedAt = date;
        break;
      case 'SUCCEEDED_WORKFLOW':
      case 'FAILED_WORKFLOW': {
        const seen = this.instance(p.instanceID!, p.id!);
        if (seen.completedAt === undefined) this.completedByWorkflow.set(p.id!, (this.completedByWorkflow.get(p.id!) ?? 0) + 1);
        seen.completedAt = date;
        if (event.type === 'FAILED_WORKFLOW') seen.failed = p.error ?? 'failed';
        break;
      }
      case 'STARTED_WORKFLOW_STAGE': {
        const seen = this.instance(p.instanceID!, p.id!);
        const count = (seen.stageStarts.get(p.number!) ?? 0) + 1;
        if (count > 1) this.duplicateStageStarts++;
        seen.stageStarts.set(p.number!, count);
        break;
      }
      case 'SUCCEEDED_TRIGGER':
        this.occurrencesByTrigger.set(p.triggerID!, (this.occurrencesByTrigger.get(p.triggerID!) ?? 0) + 1);
        this.lastOccurrenceAt.set(p.triggerID!, Math.max(date, this.lastOccurrenceAt.get(p.triggerID!) ?? 0));
        break;
    }
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}

export class BenchPlatform {
  readonly commands: CommandClient;
  private extra: ChildProcess[] = [];
  startMode: 'start-many' | 'single' = 'single';

  private constructor(
    readonly platform: PlatformUnderTest,
    readonly nc: NatsConnection,
    readonly watcher: LifecycleWatcher,
  ) {
    this.commands = new CommandClient({ servers: [testNatsUrl()], namespace: platform.namespace, timeoutMs: 60_000, name: 'bench' });
  }

  static async start(options: PlatformOptions): Promise<BenchPlatform> {
    const platform = await withRetries(() => PlatformUnderTest.start({ ...options, env: { LOG_LEVEL: 'info', ...options.env } }));
    const nc = await connect({ servers: testNatsUrl(), name: 'bench-watcher' });
    const watcher = new LifecycleWatcher(nc, platform.namespace);
    watcher.start();
    const bench = new BenchPlatform(platform, nc, watcher);
    await bench.commands.connect();
    return bench;
  }

  get namespace(): string {
    return this.platform.namespace;
  }

  /** Another orchestrator process on the same database and namespace (a replica). */
  async addOrchestratorReplica(): Promise<void> {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', 'orchestrator', 'src', 'main.js')], {
      env: { ...this.platform.env('orchestrator'), LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let exited = false;
    const collect = (chunk: Buffer) => {
      if (output.length < 100_000) output += chunk.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.once('exit', () => (exited = true));
    this.extra.push(child);
    await eventually(
      () => {
        if (exited) throw new Error(`orchestrator replica exited:\n${output.slice(-2000)}`);
        return output.includes('orchestrator is serving commands');
      },
      { timeoutMs: 30_000, what: 'the orchestrator replica' },
    );
    child.stdout!.removeListener('data', collect);
    child.stdout!.resume();
  }

  async removeOrchestratorReplicas(): Promise<void> {
    for (const child of this.extra.splice(0)) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }

  async createWorkflow(name: string, stages: unknown[]): Promise<string> {
    const reply = await this.commands.send(COMMANDS.orchestrator.createWorkflow, { config: { name, stages } }, workflowSchema);
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.data.id;
  }

  /** Whether the orchestrator serves start-many (the engine redesign); decides how starts are sent. */
  async detectStartMode(workflowId: string): Promise<void> {
    try {
      const reply = await this.commands.send(COMMANDS.orchestrator.startManyInstances, { items: [{ workflowId, variables: {} }] }, startManyInstancesReplyDataSchema, {
        timeoutMs: 10_000,
      });
      this.startMode = reply.ok ? 'start-many' : 'single';
    } catch {
      this.startMode = 'single';
    }
  }

  /**
   * Starts `count` instances of a workflow as a client would at full speed: start-many commands
   * of 100 (4 in flight) when the orchestrator serves it, else single starts (64 in flight);
   * `mode` forces one of the two.
   */
  async startInstances(workflowId: string, count: number, mode: 'start-many' | 'single' = this.startMode): Promise<void> {
    if (mode === 'start-many') {
      const batch = 100;
      let next = 0;
      const worker = async () => {
        while (next < count) {
          const size = Math.min(batch, count - next);
          next += size;
          const reply = await this.commands.send(
            COMMANDS.orchestrator.startManyInstances,
            { items: Array.from({ length: size }, () => ({ workflowId, variables: {} })) },
            startManyInstancesReplyDataSchema,
          );
          if (!reply.ok) throw new Error(reply.error.message);
          const failed = reply.data.results.find((r) => !r.ok);
          if (failed && !failed.ok) throw new Error(failed.error.message);
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
      return;
    }
    let next = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        const reply = await this.commands.send(COMMANDS.orchestrator.startInstance, { workflowId, variables: {} }, workflowInstanceSchema);
        if (!reply.ok) throw new Error(reply.error.message);
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
  }

  /** Resolves once `count` instances of the workflow completed (seen on the bus). */
  async completed(workflowId: string, count: number, timeoutMs = 600_000): Promise<void> {
    await eventually(() => (this.watcher.completedByWorkflow.get(workflowId) ?? 0) >= count, {
      timeoutMs,
      intervalMs: 20,
      what: `${count} completed instances of ${workflowId}`,
    });
  }

  /**
   * Instances/s from `startedAtMs` to the last completion of the workflow (the orchestrator's
   * event dates), and never less than until every start command was answered (`startsDoneAtMs`).
   */
  completionRate(workflowId: string, count: number, startedAtMs: number, startsDoneAtMs = 0): number {
    let last = startsDoneAtMs;
    for (const seen of this.watcher.instances.values()) {
      if (seen.workflowId === workflowId && seen.completedAt !== undefined) last = Math.max(last, seen.completedAt);
    }
    return count / ((last - startedAtMs) / 1000);
  }

  async stop(): Promise<void> {
    await this.removeOrchestratorReplicas();
    this.watcher.stop();
    await this.commands.close();
    await this.nc.close();
    await this.platform.stop();
  }
}


/** Retries what fails because the shared Postgres has no connection slot left (other engineers' tests). */
export async function withRetries<T>(attempt: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= attempts || !/too many clients/.test(String((error as Error)?.message ?? error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5000));
    }
  }
}
