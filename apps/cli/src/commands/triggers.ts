/**
 * `wfp triggers apply -f trigger.yaml` (create, or find by name; the same name with another
 * definition is a conflict, exit 6) and `wfp triggers list`. In the file, `workflow` names the
 * workflow by name or id (or give `workflowID`).
 */
import { Command } from 'commander';
import type { Trigger } from '@wfp/contracts';
import { CliError, EXIT } from '../exit-codes';
import { canonicalJson, readDefinitions } from '../input-files';
import { findTriggerByName, resolveWorkflow } from '../lookups';
import { table } from '../output';
import { ApiClient } from '../api-client';
import { contextOf } from './context';

const FIELDS = ['name', 'event', 'version', 'workflowID', 'filter', 'vars'] as const;

/** The createTrigger body of a file's definition, the workflow resolved to its id. */
async function triggerBody(api: ApiClient, file: string, definition: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { workflow, ...rest } = definition;
  const unknown = Object.keys(rest).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length) throw new CliError(EXIT.usage, `${file}: unknown trigger field(s) ${unknown.join(', ')} (known: workflow, ${FIELDS.join(', ')})`);
  if (typeof rest.event !== 'string') throw new CliError(EXIT.usage, `${file}: a trigger needs an "event"`);
  if (workflow !== undefined && rest.workflowID !== undefined) throw new CliError(EXIT.usage, `${file}: give "workflow" or "workflowID", not both`);
  const ref = workflow ?? rest.workflowID;
  if (typeof ref !== 'string') throw new CliError(EXIT.usage, `${file}: a trigger needs a "workflow" (name or id)`);
  return { ...rest, workflowID: (await resolveWorkflow(api, ref)).id };
}

function sameDefinition(existing: Trigger, body: Record<string, unknown>): boolean {
  const pick = (o: Record<string, unknown>) => Object.fromEntries(FIELDS.map((k) => [k, o[k] === '' ? undefined : o[k]]));
  return canonicalJson(pick(existing as unknown as Record<string, unknown>)) === canonicalJson(pick(body));
}

export function triggersCommand(): Command {
  const triggers = new Command('triggers').description('create and list triggers');

  triggers
    .command('apply')
    .description('create the trigger(s) of a YAML/JSON file, or find the existing one of the same name')
    .requiredOption('-f, --file <file>', 'trigger definition (YAML or JSON; several YAML documents allowed; - for stdin)')
    .action(async (options: { file: string }, command: Command) => {
      const { api, out } = contextOf(command);
      const results: Array<{ id: string; name?: string; workflowID: string; action: 'created' | 'unchanged' }> = [];
      for (const definition of readDefinitions(options.file)) {
        const body = await triggerBody(api, options.file, definition);
        const name = typeof body.name === 'string' ? body.name : undefined;
        const existing = name ? await findTriggerByName(api, name) : undefined;
        if (existing) {
          if (!sameDefinition(existing, body)) {
            throw new CliError(EXIT.conflict, `trigger "${name}" exists (${existing.id}) with another definition: delete it first or give the new one another name`);
          }
          results.push({ id: existing.id, name, workflowID: existing.workflowID, action: 'unchanged' });
          continue;
        }
        const created = await api.orchestration<Trigger>('POST', '/triggers', { body });
        results.push({ id: created.id, name, workflowID: created.workflowID, action: 'created' });
      }
      out.result(results.length === 1 ? results[0] : results, () =>
        results.map((r) => `trigger ${r.name ? `"${r.name}" ` : ''}${r.id} ${r.action} (workflow ${r.workflowID})`),
      );
    });

  triggers
    .command('list')
    .description('list the triggers')
    .action(async (_options: unknown, command: Command) => {
      const { api, out } = contextOf(command);
      const list = await api.orchestration<Trigger[]>('GET', '/triggers');
      out.result(list, (l) =>
        l.length ? table(['ID', 'NAME', 'EVENT', 'WORKFLOW', 'FILTER'], l.map((t) => [t.id, t.name ?? '', t.event, t.workflowID, t.filter ?? ''])) : 'no triggers',
      );
    });

  return triggers;
}
