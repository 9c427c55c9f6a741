import { Workflow, WorkflowInstance } from '@wfp/contracts';
import { InstanceStatus } from '../core/statuses';

/** `orchestrator.workflows` (config immutable after creation; soft delete). */
export interface WorkflowRow {
  id: string;
  config: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
  paused_mode?: 'queue' | 'drop' | null;
  paused_at?: Date | null;
}

/** `orchestrator.instances`. */
export interface InstanceRow {
  id: string;
  workflow_id: string;
  variables: Record<string, string>;
  idempotency_key: string | null;
  status: InstanceStatus;
  created_at: Date;
  updated_at: Date;
  terminated: boolean;
  terminated_at: Date | null;
  error: string | null;
  metadata?: Record<string, string>;
  canceled_by?: string | null;
  origin_trigger_id?: string | null;
  origin_schedule_id?: string | null;
  origin_event_id?: string | null;
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
    ...(row.paused_mode && row.paused_at ? { paused: { mode: row.paused_mode, since: iso(row.paused_at) } } : {}),
  };
}

/** An instance as a start answers it (no status, no workflow). */
export function toInstance(row: InstanceRow): WorkflowInstance {
  return {
    id: row.id,
    workflowID: row.workflow_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    terminated: row.terminated,
    ...(row.terminated_at ? { terminatedAt: iso(row.terminated_at) } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(row.metadata && Object.keys(row.metadata).length > 0 ? { metadata: row.metadata } : {}),
    ...(row.canceled_by ? { canceledBy: row.canceled_by } : {}),
  };
}

