import { Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, CommandClient, natsServers, ServiceUnavailableError } from '@wfp/platform';
import {
  COMMANDS,
  emptyReplyDataSchema,
  Reply,
  StartInstanceRequestInput as StartItem,
  startManyInstancesReplyDataSchema,
  StartManyItemResult,
  startInstanceReplyDataSchema,
  StartInstanceRequestInput,
  Workflow,
  WorkflowInstance,
  workflowInstanceSchema,
  workflowSchema,
} from '@wfp/contracts';
import type { TriggersConfig } from '../config';

/** The orchestrator's commands the triggers service uses (over NATS, through the contracts). */
@Injectable()
export class OrchestratorClient extends CommandClient implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(APP_CONFIG) config: TriggersConfig) {
    super({
      servers: natsServers(config.NATS_URL),
      namespace: config.NATS_NAMESPACE,
      timeoutMs: config.TRIGGERS_ORCHESTRATOR_TIMEOUT_MS,
      name: 'triggers-orchestrator-client',
    });
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  getWorkflow(id: string, requestId?: string): Promise<Reply<Workflow>> {
    return this.send(COMMANDS.orchestrator.getWorkflow, { id }, workflowSchema, { requestId });
  }

  getInstance(id: string, requestId?: string): Promise<Reply<WorkflowInstance>> {
    return this.send(COMMANDS.orchestrator.getInstance, { id }, workflowInstanceSchema, { requestId });
  }

  /** Aborts a running instance (singleton `cancel`); an instance already ended is a VALIDATION error. */
  abortInstance(id: string, requestId?: string): Promise<Reply<Record<string, unknown>>> {
    return this.send(COMMANDS.orchestrator.abortInstance, { id }, emptyReplyDataSchema, { requestId });
  }

  startInstance(request: StartInstanceRequestInput, requestId?: string): Promise<Reply<WorkflowInstance>> {
    return this.send(COMMANDS.orchestrator.startInstance, request, startInstanceReplyDataSchema, { requestId });
  }

  /**
   * Starts many instances, one result per item in order, through the orchestrator's start-many
   * command (chunks of at most {@link START_MANY_LIMIT} items and about {@link START_MANY_BYTES}
   * of JSON, under the NATS message size, one command each). Throws when the orchestrator
   * does not answer (the caller retries: every item carries its idempotency key).
   *
   * Rolling upgrades: an orchestrator that does not serve start-many yet (no responder on its
   * subject while one serves single starts) is sent one start per item instead.
   */
  async startMany(items: StartItem[], requestId?: string): Promise<StartManyItemResult[]> {
    const results: StartManyItemResult[] = [];
    for (const chunk of chunksOf(items)) results.push(...(await this.startChunk(chunk, requestId)));
    return results;
  }

  private async startChunk(items: StartItem[], requestId?: string): Promise<StartManyItemResult[]> {
    let reply;
    try {
      reply = await this.send(COMMANDS.orchestrator.startManyInstances, { items }, startManyInstancesReplyDataSchema, { requestId });
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError && NO_RESPONDERS.test(error.message))) throw error;
      return Promise.all(
        items.map(async (item) => {
          const single = await this.startInstance(item, requestId);
          return single.ok ? { ok: true as const, data: single.data } : { ok: false as const, error: { code: single.error.code, message: single.error.message } };
        }),
      );
    }
    if (!reply.ok) throw new Error(`orchestrator refused start-many: ${reply.error.code} ${reply.error.message}`);
    if (reply.data.results.length !== items.length) {
      throw new Error(`orchestrator answered ${reply.data.results.length} results to ${items.length} starts`);
    }
    return reply.data.results;
  }
}

/** Items of one start-many command (the contract's maximum). */
export const START_MANY_LIMIT = 1000;
/** JSON size of one start-many command at most (NATS' default max payload is 1 MiB). */
export const START_MANY_BYTES = 512 * 1024;

function chunksOf(items: StartItem[]): StartItem[][] {
  const chunks: StartItem[][] = [];
  let current: StartItem[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = JSON.stringify(item).length;
    if (current.length > 0 && (current.length >= START_MANY_LIMIT || bytes + size > START_MANY_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** How CommandClient reports that no process subscribes to a command subject. */
const NO_RESPONDERS = /no instance is running/;

@Global()
@Module({ providers: [OrchestratorClient], exports: [OrchestratorClient] })
export class OrchestratorClientModule {}
