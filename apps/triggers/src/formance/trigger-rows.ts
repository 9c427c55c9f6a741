import type { CancelOn, OccurrenceOutcome, Trigger, TriggerOccurrence, TriggerPolicy } from '@wfp/contracts';

export interface TriggerRow {
  id: string;
  name: string | null;
  event: string;
  version: string | null;
  workflow_id: string;
  filter: string | null;
  vars: Record<string, string> | null;
  policy: TriggerPolicy | null;
  cancel_on: CancelOn | null;
  created_at: Date;
}

export interface OccurrenceRow {
  id: string;
  trigger_id: string;
  date: Date;
  event: Record<string, unknown>;
  workflow_instance_id: string | null;
  error: string | null;
  outcome: OccurrenceOutcome | null;
  reason: string | null;
  canceled_by: string | null;
  replay_id: string | null;
}

export const TRIGGER_COLUMNS = 'id, name, event, version, workflow_id, filter, vars, policy, cancel_on, created_at';

/** The Formance wire shape: optional fields omitted (the SDK rejects nulls). */
export function toTrigger(row: TriggerRow): Trigger {
  return {
    id: row.id,
    ...(row.name !== null ? { name: row.name } : {}),
    event: row.event,
    ...(row.version !== null ? { version: row.version } : {}),
    workflowID: row.workflow_id,
    ...(row.filter !== null ? { filter: row.filter } : {}),
    ...(row.vars !== null ? { vars: row.vars } : {}),
    ...(row.policy !== null ? { policy: row.policy } : {}),
    ...(row.cancel_on !== null ? { cancel_on: row.cancel_on } : {}),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

export function toOccurrence(row: OccurrenceRow): TriggerOccurrence {
  return {
    id: row.id,
    triggerID: row.trigger_id,
    date: new Date(row.date).toISOString(),
    event: row.event,
    ...(row.workflow_instance_id !== null ? { workflowInstanceID: row.workflow_instance_id } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
    ...(row.outcome !== null ? { outcome: row.outcome } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.canceled_by !== null ? { canceledBy: row.canceled_by } : {}),
    ...(row.replay_id ? { replayID: row.replay_id } : {}),
  };
}
