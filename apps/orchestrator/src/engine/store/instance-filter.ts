import type { InstanceFilter } from '@wfp/contracts';

/**
 * The SQL conditions of an instance filter over `orchestrator.instances i` (a list, a search, a
 * bulk action's selection), its values appended to `params`. Every condition uses an index:
 * workflow, status, metadata containment (GIN), creation time.
 */
export function instanceFilterSql(filter: InstanceFilter, params: unknown[]): string[] {
  const conditions: string[] = [];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.workflowID !== undefined) conditions.push(`i.workflow_id = ${param(filter.workflowID)}::uuid`);
  if (filter.running) conditions.push('NOT i.terminated');
  if (filter.status !== undefined) conditions.push(`i.status = ${param(filter.status)}`);
  if (filter.metadata !== undefined && Object.keys(filter.metadata).length > 0) conditions.push(`i.metadata @> ${param(JSON.stringify(filter.metadata))}::jsonb`);
  if (filter.createdAfter !== undefined) conditions.push(`i.created_at > ${param(filter.createdAfter)}::timestamptz`);
  if (filter.createdBefore !== undefined) conditions.push(`i.created_at < ${param(filter.createdBefore)}::timestamptz`);
  return conditions;
}
