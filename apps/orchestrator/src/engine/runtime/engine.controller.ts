import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  COMMANDS,
  createWorkflowRequestSchema,
  deleteWorkflowRequestSchema,
  getWorkflowRequestSchema,
  instanceIdRequestSchema,
  InstanceHistory,
  listInstancesRequestSchema,
  listWorkflowsRequestSchema,
  ok,
  Reply,
  sendEventRequestSchema,
  StageHistory,
  stageHistoryRequestSchema,
  setInstanceMetadataRequestSchema,
  pauseWorkflowRequestSchema,
  BulkJob,
  bulkJobIdRequestSchema,
  CreateBulkJobReply,
  createBulkJobRequestSchema,
  listBulkJobsRequestSchema,
  startInstanceRequestSchema,
  startManyInstancesRequestSchema,
  StartManyInstancesReplyData,
  Workflow,
  WorkflowInstance,
} from '@wfp/contracts';
import { parseCommand } from '@wfp/platform';
import { EngineService } from './engine.service';

/** The orchestrator's workflow and instance commands. */
@Controller()
export class EngineController {
  constructor(private readonly engine: EngineService) {}

  @MessagePattern(COMMANDS.orchestrator.createWorkflow)
  async createWorkflow(@Payload() payload: unknown): Promise<Reply<Workflow>> {
    const parsed = parseCommand(createWorkflowRequestSchema, payload);
    return parsed.ok ? this.engine.createWorkflow(parsed.value.config) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.getWorkflow)
  async getWorkflow(@Payload() payload: unknown): Promise<Reply<Workflow>> {
    const parsed = parseCommand(getWorkflowRequestSchema, payload);
    return parsed.ok ? this.engine.getWorkflow(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.listWorkflows)
  async listWorkflows(@Payload() payload: unknown): Promise<Reply<Workflow[]>> {
    const parsed = parseCommand(listWorkflowsRequestSchema, payload ?? {});
    return parsed.ok ? ok(await this.engine.listWorkflows(parsed.value.page)) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.deleteWorkflow)
  async deleteWorkflow(@Payload() payload: unknown): Promise<Reply<Record<string, never>>> {
    const parsed = parseCommand(deleteWorkflowRequestSchema, payload);
    return parsed.ok ? this.engine.deleteWorkflow(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.startInstance)
  async startInstance(@Payload() payload: unknown): Promise<Reply<WorkflowInstance>> {
    const parsed = parseCommand(startInstanceRequestSchema, payload);
    if (!parsed.ok) return parsed.reply;
    const { workflowId, variables, idempotencyKey, chainDepth, metadata, origin } = parsed.value;
    return this.engine.startInstance(workflowId, variables, idempotencyKey, chainDepth, metadata, origin);
  }

  @MessagePattern(COMMANDS.orchestrator.startManyInstances)
  async startManyInstances(@Payload() payload: unknown): Promise<Reply<StartManyInstancesReplyData>> {
    const parsed = parseCommand(startManyInstancesRequestSchema, payload);
    return parsed.ok ? ok({ results: await this.engine.startManyInstances(parsed.value.items) }) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.listInstances)
  async listInstances(@Payload() payload: unknown): Promise<Reply<WorkflowInstance[]>> {
    const parsed = parseCommand(listInstancesRequestSchema, payload ?? {});
    return parsed.ok ? ok(await this.engine.listInstances(parsed.value)) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.getInstance)
  async getInstance(@Payload() payload: unknown): Promise<Reply<WorkflowInstance>> {
    const parsed = parseCommand(instanceIdRequestSchema, payload);
    return parsed.ok ? this.engine.getInstance(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.sendEvent)
  async sendEvent(@Payload() payload: unknown): Promise<Reply<Record<string, never>>> {
    const parsed = parseCommand(sendEventRequestSchema, payload);
    return parsed.ok ? this.engine.sendEvent(parsed.value.id, parsed.value.name) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.abortInstance)
  async abort(@Payload() payload: unknown): Promise<Reply<Record<string, never>>> {
    const parsed = parseCommand(instanceIdRequestSchema, payload);
    return parsed.ok ? this.engine.abort(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.redriveInstance)
  async redrive(@Payload() payload: unknown): Promise<Reply<Record<string, never>>> {
    const parsed = parseCommand(instanceIdRequestSchema, payload);
    return parsed.ok ? this.engine.redrive(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.setInstanceMetadata)
  async setMetadata(@Payload() payload: unknown): Promise<Reply<Record<string, never>>> {
    const parsed = parseCommand(setInstanceMetadataRequestSchema, payload);
    return parsed.ok ? this.engine.setMetadata(parsed.value.id, parsed.value.metadata) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.pauseWorkflow)
  async pauseWorkflow(@Payload() payload: unknown): Promise<Reply<Workflow>> {
    const parsed = parseCommand(pauseWorkflowRequestSchema, payload);
    return parsed.ok ? this.engine.pauseWorkflow(parsed.value.id, parsed.value.mode) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.resumeWorkflow)
  async resumeWorkflow(@Payload() payload: unknown): Promise<Reply<{ released: number }>> {
    const parsed = parseCommand(getWorkflowRequestSchema, payload);
    return parsed.ok ? this.engine.resumeWorkflow(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.createBulkJob)
  async createBulkJob(@Payload() payload: unknown): Promise<Reply<CreateBulkJobReply>> {
    const parsed = parseCommand(createBulkJobRequestSchema, payload);
    return parsed.ok ? this.engine.createBulkJob(parsed.value) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.getBulkJob)
  async getBulkJob(@Payload() payload: unknown): Promise<Reply<BulkJob>> {
    const parsed = parseCommand(bulkJobIdRequestSchema, payload);
    return parsed.ok ? this.engine.getBulkJob(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.listBulkJobs)
  async listBulkJobs(@Payload() payload: unknown): Promise<Reply<BulkJob[]>> {
    const parsed = parseCommand(listBulkJobsRequestSchema, payload ?? {});
    return parsed.ok ? ok(await this.engine.listBulkJobs(parsed.value.page)) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.abortBulkJob)
  async abortBulkJob(@Payload() payload: unknown): Promise<Reply<BulkJob>> {
    const parsed = parseCommand(bulkJobIdRequestSchema, payload);
    return parsed.ok ? this.engine.abortBulkJob(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.getInstanceHistory)
  async history(@Payload() payload: unknown): Promise<Reply<InstanceHistory[]>> {
    const parsed = parseCommand(instanceIdRequestSchema, payload);
    return parsed.ok ? this.engine.history(parsed.value.id) : parsed.reply;
  }

  @MessagePattern(COMMANDS.orchestrator.getStageHistory)
  async stageHistory(@Payload() payload: unknown): Promise<Reply<StageHistory[]>> {
    const parsed = parseCommand(stageHistoryRequestSchema, payload);
    return parsed.ok ? this.engine.stageHistory(parsed.value.id, parsed.value.stage) : parsed.reply;
  }
}
