/**
 * Finding workflows and triggers the way people name them: by id, or by the `name` in their
 * definition (the newest live one when several share it).
 */
import type { Trigger, Workflow } from '@wfp/contracts';
import { ApiClient } from './api-client';
import { CliError, EXIT } from './exit-codes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function listWorkflows(api: ApiClient): Promise<Workflow[]> {
  return api.orchestration<Workflow[]>('GET', '/workflows');
}

export async function findWorkflowByName(api: ApiClient, name: string): Promise<Workflow | undefined> {
  const matches = (await listWorkflows(api)).filter((w) => w.config.name === name && !w.deletedAt);
  return matches[matches.length - 1];
}

/** A workflow by id or name; not found → exit 3. */
export async function resolveWorkflow(api: ApiClient, idOrName: string): Promise<Workflow> {
  if (UUID.test(idOrName)) {
    try {
      return await api.orchestration<Workflow>('GET', `/workflows/${idOrName}`);
    } catch (error) {
      if (!(error instanceof CliError && error.exitCode === EXIT.notFound)) throw error;
    }
  }
  const byName = await findWorkflowByName(api, idOrName);
  if (!byName) throw new CliError(EXIT.notFound, `no workflow with id or name "${idOrName}" (see: wfp workflows list)`);
  return byName;
}

export async function findTriggerByName(api: ApiClient, name: string): Promise<Trigger | undefined> {
  // The API's name filter is a substring match: keep the exact name only.
  const matches = (await api.orchestration<Trigger[]>('GET', '/triggers', { query: { name } })).filter((t) => t.name === name);
  return matches[matches.length - 1];
}
