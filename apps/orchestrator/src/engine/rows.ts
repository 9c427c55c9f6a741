import { StageStatus, Workflow, WorkflowInstance } from '@wfp/contracts';

export interface WorkflowRow {
  id: string;
  config: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface InstanceRow {
  id: string;
  workflow_id: string;
  config: { stages?: unknown[] };
  variables: Record<string, string>;
  created_at: Date;
  updated_at: Date;
  terminated: boolean;
  terminated_at: Date | null;
  error: string | null;
}

export interface StageRunRow {
  instance_id: string;
  stage: number;
  kind: string;
  input: Record<string, unknown> | null;
  started_at: Date;
  terminated_at: Date | null;
  error: string | null;
}

const iso = (date: Date) => new Date(date).toISOString();

export function toWorkflow(row: WorkflowRow): Workflow {
  const config: Record<string, unknown> = { ...row.config, name: typeof row.config.name === 'string' ? row.config.name : '' };
  if (!Array.isArray(config.stages)) config.stages = [];
  return {
    id: row.id,
    config: config as Workflow['config'],
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    ...(row.deleted_at ? { deletedAt: iso(row.deleted_at) } : {}),
  };
}

export function toStageStatus(row: StageRunRow): StageStatus {
  return {
    stage: row.stage,
    instanceID: row.instance_id,
    startedAt: iso(row.started_at),
    ...(row.terminated_at ? { terminatedAt: iso(row.terminated_at) } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

export function toInstance(row: InstanceRow, stages?: StageRunRow[], workflow?: WorkflowRow): WorkflowInstance {
  return {
    id: row.id,
    workflowID: row.workflow_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    terminated: row.terminated,
    ...(row.terminated_at ? { terminatedAt: iso(row.terminated_at) } : {}),
    ...(stages && stages.length > 0 ? { status: stages.map(toStageStatus) } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(workflow ? { workflow: toWorkflow(workflow) } : {}),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
