import { randomUUID } from 'node:crypto';
import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { COMMANDS, commandSubject, eventSubject, fail, ok, Reply, Workflow, WorkflowInstance, WORKFLOW_EVENTS_APP, WORKFLOW_EVENTS_VERSION } from '@wfp/contracts';
import type { Clock } from '@wfp/platform';

/**
 * A simulated orchestrator for the schedules' integration tests (test-only, not in the build):
 * real NATS request/reply for the commands the triggers service sends (start, start-many, get,
 * abort, getWorkflow), instances that last a set time on the test's clock, and the lifecycle
 * events the real orchestrator publishes on JetStream when an instance ends (SUCCEEDED_WORKFLOW,
 * FAILED_WORKFLOW; `canceled` when aborted). The e2e suites run the real orchestrator.
 */
export interface SimulatedInstance {
  id: string;
  workflowId: string;
  variables: Record<string, string>;
  idempotencyKey?: string;
  startedAt: number;
  endsAt: number;
  ended?: 'succeeded' | 'failed' | 'canceled';
}

interface StartRequest {
  workflowId: string;
  variables?: Record<string, string>;
  idempotencyKey?: string;
}

export class SimulatedOrchestrator {
  readonly workflows = new Map<string, Workflow & { durationMs: number; fails: boolean }>();
  readonly instances: SimulatedInstance[] = [];
  /** Every start request received (retries included). */
  readonly startRequests: StartRequest[] = [];
  readonly aborts: string[] = [];
  /** Starts of a workflow to perform without replying (as an orchestrator whose reply is lost, or that crashes after its commit). */
  readonly swallowStartReplies = new Map<string, number>();
  /** Workflows whose instances end without their end event (as if it were lost). */
  readonly silentEnds = new Set<string>();
  /** Awaited on every start, get and abort before it is handled (while the caller waits for the reply). */
  beforeCommand?: (command: string, data: unknown) => Promise<void>;
  private readonly byKey = new Map<string, SimulatedInstance>();
  private readonly subscriptions: Subscription[] = [];
  private readonly codec = JSONCodec<{ id: string; data: unknown }>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly namespace: string,
    private readonly clock: Clock,
  ) {}

  start(): void {
    this.serve(COMMANDS.orchestrator.getWorkflow, (data) => {
      const workflow = this.workflows.get((data as { id: string }).id);
      return workflow ? ok(this.workflowOf(workflow)) : fail('NOT_FOUND', 'workflow not found');
    });
    this.serve(COMMANDS.orchestrator.startInstance, (data) => {
      const request = data as StartRequest;
      const reply = this.startOne(request);
      const swallow = this.swallowStartReplies.get(request.workflowId) ?? 0;
      if (swallow > 0) {
        this.swallowStartReplies.set(request.workflowId, swallow - 1);
        return undefined;
      }
      return reply;
    });
    this.serve(COMMANDS.orchestrator.startManyInstances, (data) =>
      ok({
        results: (data as { items: StartRequest[] }).items.map((item) => {
          const reply = this.startOne(item);
          return reply.ok ? { ok: true, data: reply.data } : { ok: false, error: reply.error };
        }),
      }),
    );
    this.serve(COMMANDS.orchestrator.getInstance, (data) => {
      const instance = this.instances.find((i) => i.id === (data as { id: string }).id);
      return instance ? ok(this.wire(instance)) : fail('NOT_FOUND', 'instance not found');
    });
    this.serve(COMMANDS.orchestrator.abortInstance, async (data) => {
      const instance = this.instances.find((i) => i.id === (data as { id: string }).id);
      if (!instance) return fail('NOT_FOUND', 'instance not found');
      this.aborts.push(instance.id);
      if (instance.ended) return fail('VALIDATION', 'instance already terminated');
      await this.end(instance, 'canceled');
      return ok({});
    });
  }

  stop(): void {
    for (const sub of this.subscriptions) sub.unsubscribe();
  }

  /** A workflow whose instances last `durationMs` on the clock, then succeed (or fail). */
  addWorkflow(durationMs: number, fails = false): string {
    const now = this.clock.now().toISOString();
    const id = randomUUID();
    this.workflows.set(id, { id, config: { stages: [] }, createdAt: now, updatedAt: now, durationMs, fails });
    return id;
  }

  /** Ends (and announces) every instance whose time is up on the clock. */
  async finishDue(): Promise<number> {
    const now = this.clock.now().getTime();
    const due = this.instances.filter((i) => !i.ended && i.endsAt <= now);
    for (const instance of due) await this.end(instance, this.workflows.get(instance.workflowId)!.fails ? 'failed' : 'succeeded');
    return due.length;
  }

  startsOf(workflowId: string): SimulatedInstance[] {
    return this.instances.filter((i) => i.workflowId === workflowId);
  }

  private startOne(request: StartRequest): Reply<WorkflowInstance> {
    this.startRequests.push(request);
    const workflow = this.workflows.get(request.workflowId);
    if (!workflow) return fail('NOT_FOUND', `workflow ${request.workflowId} not found`);
    const existing = request.idempotencyKey ? this.byKey.get(request.idempotencyKey) : undefined;
    if (existing) return ok(this.wire(existing));
    const now = this.clock.now().getTime();
    const instance: SimulatedInstance = {
      id: randomUUID(),
      workflowId: workflow.id,
      variables: request.variables ?? {},
      idempotencyKey: request.idempotencyKey,
      startedAt: now,
      endsAt: now + workflow.durationMs,
    };
    this.instances.push(instance);
    if (request.idempotencyKey) this.byKey.set(request.idempotencyKey, instance);
    return ok(this.wire(instance));
  }

  private async end(instance: SimulatedInstance, how: 'succeeded' | 'failed' | 'canceled'): Promise<void> {
    instance.ended = how;
    if (this.silentEnds.has(instance.workflowId)) return;
    const type = how === 'succeeded' ? 'SUCCEEDED_WORKFLOW' : 'FAILED_WORKFLOW';
    const id = randomUUID();
    const envelope = {
      id,
      idempotency_key: id,
      date: this.clock.now().toISOString(),
      app: WORKFLOW_EVENTS_APP,
      version: WORKFLOW_EVENTS_VERSION,
      type,
      payload: { id: instance.workflowId, instanceID: instance.id, ...(how === 'succeeded' ? {} : { error: how === 'canceled' ? 'canceled' : 'stage failed' }) },
    };
    await this.nc.jetstream().publish(eventSubject(this.namespace, WORKFLOW_EVENTS_APP, WORKFLOW_EVENTS_VERSION, type), JSON.stringify(envelope), { msgID: id });
  }

  private wire(instance: SimulatedInstance): WorkflowInstance {
    const at = new Date(instance.startedAt).toISOString();
    const error = instance.ended === 'canceled' ? 'canceled' : instance.ended === 'failed' ? 'stage failed' : undefined;
    return { id: instance.id, workflowID: instance.workflowId, createdAt: at, updatedAt: at, terminated: instance.ended !== undefined, ...(error ? { error } : {}) };
  }

  private workflowOf(workflow: Workflow): Workflow {
    const { id, config, createdAt, updatedAt } = workflow;
    return { id, config, createdAt, updatedAt };
  }

  private serve(command: string, handler: (data: unknown) => Reply<unknown> | undefined | Promise<Reply<unknown>>): void {
    const sub = this.nc.subscribe(commandSubject(this.namespace, command));
    this.subscriptions.push(sub);
    void (async () => {
      for await (const msg of sub) {
        const request = this.codec.decode(msg.data);
        if (command !== COMMANDS.orchestrator.getWorkflow) await this.beforeCommand?.(command, request.data);
        const response = await handler(request.data);
        if (response === undefined) continue;
        msg.respond(JSONCodec().encode({ id: request.id, response, isDisposed: true }));
      }
    })();
  }
}
