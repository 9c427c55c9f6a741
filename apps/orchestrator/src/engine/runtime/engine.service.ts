import { Injectable } from '@nestjs/common';
import { BulkJob, CreateBulkJobReply, CreateBulkJobRequest, InstanceHistory, KeysetPage, ListInstancesRequest, Reply, StageHistory, StartManyItemResult, Workflow, WorkflowInstance } from '@wfp/contracts';
import { AbortSystem } from '../systems/abort.system';
import { ClaimAndAdvanceSystem } from '../systems/claim-and-advance.system';
import { BulkJobsSystem } from '../systems/bulk-jobs.system';
import { MetadataSystem } from '../systems/metadata.system';
import { ReadsSystem } from '../systems/reads.system';
import { RedriveSystem } from '../systems/redrive.system';
import { StartItem, StartSystem } from '../systems/start.system';
import { WaitsSystem } from '../systems/waits.system';
import { WorkflowsSystem } from '../systems/workflows.system';

/**
 * The orchestrator engine's facade: one entry point over its systems, each owning one concern
 * and its SQL (see apps/orchestrator/README.md for the state machine and who performs what):
 * workflows, start, claim-and-advance (timers), waits (events), abort, redrive, reads.
 */
@Injectable()
export class EngineService {
  constructor(
    private readonly workflows: WorkflowsSystem,
    private readonly starts: StartSystem,
    private readonly claims: ClaimAndAdvanceSystem,
    private readonly waits: WaitsSystem,
    private readonly aborts: AbortSystem,
    private readonly reads: ReadsSystem,
    private readonly redrives: RedriveSystem,
    private readonly metadata: MetadataSystem,
    private readonly bulkJobs: BulkJobsSystem,
  ) {}

  createWorkflow(config: unknown): Promise<Reply<Workflow>> {
    return this.workflows.create(config);
  }

  getWorkflow(id: string): Promise<Reply<Workflow>> {
    return this.workflows.get(id);
  }

  /** Live workflows by (createdAt, id): all of them, or one keyset page. */
  listWorkflows(page?: KeysetPage): Promise<Workflow[]> {
    return this.workflows.list(page);
  }

  deleteWorkflow(id: string): Promise<Reply<Record<string, never>>> {
    return this.workflows.delete(id);
  }

  startInstance(
    workflowId: string,
    variables: Record<string, string>,
    idempotencyKey?: string,
    chainDepth?: number,
    metadata?: Record<string, string>,
    origin?: StartItem['origin'],
  ): Promise<Reply<WorkflowInstance>> {
    return this.starts.start({ workflowId, variables, idempotencyKey, chainDepth, metadata, origin });
  }

  /** Starts one instance, with everything a start request can carry. */
  start(item: StartItem): Promise<Reply<WorkflowInstance>> {
    return this.starts.start(item);
  }

  startManyInstances(items: readonly StartItem[]): Promise<StartManyItemResult[]> {
    return this.starts.startMany(items);
  }

  getInstance(id: string): Promise<Reply<WorkflowInstance>> {
    return this.reads.instance(id);
  }

  /** Instances of live workflows by (createdAt, id): all matches, or one keyset page. */
  listInstances(filter: ListInstancesRequest): Promise<WorkflowInstance[]> {
    return this.reads.listInstances(filter);
  }

  history(id: string): Promise<Reply<InstanceHistory[]>> {
    return this.reads.history(id);
  }

  stageHistory(id: string, stage: number): Promise<Reply<StageHistory[]>> {
    return this.reads.stageHistory(id, stage);
  }

  sendEvent(id: string, name: string): Promise<Reply<Record<string, never>>> {
    return this.waits.sendEvent(id, name);
  }

  abort(id: string): Promise<Reply<Record<string, never>>> {
    return this.aborts.abort(id);
  }

  /** Pause a workflow: new starts queued or dropped until resume. */
  pauseWorkflow(id: string, mode: 'queue' | 'drop'): Promise<Reply<Workflow>> {
    return this.workflows.pause(id, mode);
  }

  resumeWorkflow(id: string): Promise<Reply<{ released: number }>> {
    return this.workflows.resume(id);
  }

  /** Bulk actions as durable jobs: create (or preview), get, list, abort. */
  createBulkJob(request: CreateBulkJobRequest): Promise<Reply<CreateBulkJobReply>> {
    return this.bulkJobs.create(request);
  }

  getBulkJob(id: string): Promise<Reply<BulkJob>> {
    return this.bulkJobs.get(id);
  }

  listBulkJobs(page?: KeysetPage): Promise<BulkJob[]> {
    return this.bulkJobs.list(page);
  }

  abortBulkJob(id: string): Promise<Reply<BulkJob>> {
    return this.bulkJobs.abort(id);
  }

  /** Sets (a string) or removes (null) metadata keys of an instance. */
  setMetadata(id: string, metadata: Record<string, string | null>): Promise<Reply<Record<string, never>>> {
    return this.metadata.set(id, metadata);
  }

  /** A failed instance runs again from its failed stage (same instance id). */
  redrive(id: string): Promise<Reply<Record<string, never>>> {
    return this.redrives.redrive(id);
  }

  /** Advances one batch of due work (the worker's step); returns how many timers it claimed. */
  advanceDue(limit: number): Promise<number> {
    return this.claims.advanceDue(limit);
  }

  nextDue(): Promise<Date | undefined> {
    return this.claims.nextDue();
  }
}
