/**
 * `wfp workflows apply -f flow.yaml` (create, or find by name: workflows are immutable, so the
 * same name with another definition is a conflict, exit 6) and `wfp workflows list|get`.
 */
import { Command } from 'commander';
import type { Workflow } from '@wfp/contracts';
import { CliError, EXIT } from '../exit-codes';
import { canonicalJson, readDefinitions } from '../input-files';
import { findWorkflowByName, listWorkflows, resolveWorkflow } from '../lookups';
import { table } from '../output';
import { contextOf } from './context';

export interface ApplyResult {
  id: string;
  name?: string;
  action: 'created' | 'unchanged';
}

export function workflowsCommand(): Command {
  const workflows = new Command('workflows').description('create and list workflows');

  workflows
    .command('apply')
    .description('create the workflow(s) of a YAML/JSON file, or find the existing one of the same name')
    .requiredOption('-f, --file <file>', 'workflow definition (YAML or JSON; several YAML documents allowed; - for stdin)')
    .action(async (options: { file: string }, command: Command) => {
      const { api, out } = contextOf(command);
      const results: ApplyResult[] = [];
      for (const definition of readDefinitions(options.file)) {
        if (!Array.isArray(definition.stages)) throw new CliError(EXIT.usage, `${options.file}: a workflow needs a "stages" list`);
        const name = typeof definition.name === 'string' ? definition.name : undefined;
        const existing = name ? await findWorkflowByName(api, name) : undefined;
        if (existing) {
          if (canonicalJson(existing.config) !== canonicalJson(definition)) {
            throw new CliError(
              EXIT.conflict,
              `workflow "${name}" exists (${existing.id}) with another definition; workflows cannot be changed: give the new one another name`,
            );
          }
          results.push({ id: existing.id, name, action: 'unchanged' });
          continue;
        }
        const created = await api.orchestration<Workflow>('POST', '/workflows', { body: definition });
        results.push({ id: created.id, name, action: 'created' });
      }
      out.result(results.length === 1 ? results[0] : results, () =>
        results.map((r) => `workflow ${r.name ? `"${r.name}" ` : ''}${r.id} ${r.action}`),
      );
    });

  workflows
    .command('list')
    .description('list the workflows')
    .action(async (_options: unknown, command: Command) => {
      const { api, out } = contextOf(command);
      const all = await listWorkflows(api);
      out.result(all, (list) =>
        list.length
          ? table(['ID', 'NAME', 'STAGES', 'CREATED'], list.map((w) => [w.id, w.config.name ?? '', String(w.config.stages.length), w.createdAt]))
          : 'no workflows yet (create one: wfp workflows apply -f flow.yaml)',
      );
    });

  workflows
    .command('get <workflow>')
    .description('show a workflow (by id or name)')
    .action(async (idOrName: string, _options: unknown, command: Command) => {
      const { api, out } = contextOf(command);
      const workflow = await resolveWorkflow(api, idOrName);
      out.result(workflow, (w) => [`workflow ${w.id}${w.config.name ? ` "${w.config.name}"` : ''}, created ${w.createdAt}`, JSON.stringify(w.config, null, 2)]);
    });

  return workflows;
}
