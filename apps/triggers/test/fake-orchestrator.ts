import { randomUUID } from 'node:crypto';
import { JSONCodec, NatsConnection, Subscription } from 'nats';
import { CancelOn, COMMANDS, commandSubject, fail, ok, Reply, StartOrigin, Workflow, WorkflowInstance } from '@wfp/contracts';

/**
 * A fake orchestrator for integration tests of the triggers service (test-only code, not in the
 * build): answers getWorkflow, getInstance, startInstance and startManyInstances over real NATS
 * (NestJS request/reply framing), idempotently per key. The orchestrator is the triggers
 * service's external neighbour here; the e2e tests run the real one.
 */
interface StartRequest {
  workflowId: string;
  variables: Record<string, string>;
  idempotencyKey?: string;
  metadata?: Record<string, string>;
  chainDepth?: number;
  origin?: StartOrigin;
  cancelOn?: CancelOn;
  triggerEvent?: Record<string, unknown>;
}

export class FakeOrchestrator {
  readonly workflows = new Map<string, Workflow>();
  readonly instances = new Map<string, WorkflowInstance & { variables: Record<string, string> }>();
  /** Every requested start, single or within a start-many, in order. */
  readonly starts: StartRequest[] = [];
  /** Instance ids of every abort command received, in order. */
  readonly aborts: string[] = [];
  /** Items of each start-many command received (its batch sizes). */
  readonly startManyBatches: number[] = [];
  private readonly byKey = new Map<string, string>();
  /** Awaited before each start-many is served (e.g. to look at the caller's database meanwhile). */
  beforeStartMany?: () => Promise<void>;
  /** Delay of each start-many reply after its instances exist (their lifecycle may run ahead of the reply). */
  startManyReplyDelayMs = 0;
  /** Replies to send instead of starting (one per started item, then normal behaviour). */
  readonly failNextStarts: Array<Reply<never>> = [];
  private readonly subscriptions: Subscription[] = [];
  private readonly codec = JSONCodec<{ id: string; data: unknown }>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly namespace: string,
  ) {}

  start(): void {
    this.serve(COMMANDS.orchestrator.getWorkflow, (data) => {
      const workflow = this.workflows.get((data as { id: string }).id);
      return workflow ? ok(workflow) : fail('NOT_FOUND', 'workflow not found');
    });
    this.serve(COMMANDS.orchestrator.getInstance, (data) => {
      const instance = this.instances.get((data as { id: string }).id);
      if (!instance) return fail('NOT_FOUND', 'instance not found');
      const { variables: _variables, ...rest } = instance;
      return ok(rest);
    });
    this.serve(COMMANDS.orchestrator.abortInstance, (data) => {
      const id = (data as { id: string }).id;
      this.aborts.push(id);
      const instance = this.instances.get(id);
      if (!instance) return fail('NOT_FOUND', `instance ${id} not found`);
      if (instance.terminated) return fail('VALIDATION', `instance ${id} is already terminated`);
      instance.terminated = true;
      return ok({});
    });
    this.serve(COMMANDS.orchestrator.startInstance, (data) => this.startOne(data as StartRequest));
    this.serve(COMMANDS.orchestrator.startManyInstances, async (data) => {
      const { items } = data as { items: StartRequest[] };
      this.startManyBatches.push(items.length);
      await this.beforeStartMany?.();
      const results = items.map((item) => {
        const reply = this.startOne(item);
        return reply.ok ? { ok: true, data: reply.data } : { ok: false, error: { code: reply.error.code, message: reply.error.message } };
      });
      if (this.startManyReplyDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.startManyReplyDelayMs));
      return ok({ results });
    });
  }

  private startOne(request: StartRequest): Reply<WorkflowInstance> {
    this.starts.push(request);
    const failure = this.failNextStarts.shift();
    if (failure) return failure;
    const workflow = this.workflows.get(request.workflowId);
    if (!workflow || workflow.deletedAt) return fail('NOT_FOUND', `workflow ${request.workflowId} not found`);
    const existing = request.idempotencyKey ? this.byKey.get(request.idempotencyKey) : undefined;
    if (existing) return ok(this.strip(this.instances.get(existing)!));
    const now = new Date().toISOString();
    const instance = { id: randomUUID(), workflowID: workflow.id, createdAt: now, updatedAt: now, terminated: false, variables: request.variables };
    this.instances.set(instance.id, instance);
    if (request.idempotencyKey) this.byKey.set(request.idempotencyKey, instance.id);
    return ok(this.strip(instance));
  }

  addWorkflow(deleted = false, stages: Array<Record<string, unknown>> = []): Workflow {
    const now = new Date().toISOString();
    const workflow: Workflow = { id: randomUUID(), config: { stages }, createdAt: now, updatedAt: now, ...(deleted ? { deletedAt: now } : {}) };
    this.workflows.set(workflow.id, workflow);
    return workflow;
  }

  stop(): void {
    for (const sub of this.subscriptions) sub.unsubscribe();
  }

  private strip(instance: WorkflowInstance & { variables?: unknown }): WorkflowInstance {
    const { variables: _variables, ...rest } = instance;
    return rest;
  }

  private serve(command: string, handler: (data: unknown) => Reply<unknown> | Promise<Reply<unknown>>): void {
    const sub = this.nc.subscribe(commandSubject(this.namespace, command));
    this.subscriptions.push(sub);
    void (async () => {
      for await (const msg of sub) {
        const request = this.codec.decode(msg.data);
        const response = await handler(request.data);
        msg.respond(JSONCodec().encode({ id: request.id, response, isDisposed: true }));
      }
    })();
  }
}
