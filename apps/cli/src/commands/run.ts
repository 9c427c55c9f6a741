/**
 * `wfp run <workflow> [--var k=v]… [--wait [--timeout 5m]]`: starts an instance of a workflow
 * (by id or name). With --wait it returns when the instance ended: exit 0 if it succeeded, 1 if
 * it failed (its error on stderr), 7 if it was still running at --timeout.
 */
import { Command } from 'commander';
import type { WorkflowInstance } from '@wfp/contracts';
import { CliError, EXIT } from '../exit-codes';
import { parseVars } from '../input-files';
import { parseDuration, pollUntilTerminated } from '../instance-polling';
import { resolveWorkflow } from '../lookups';
import { contextOf } from './context';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function runCommand(): Command {
  return new Command('run')
    .description('start an instance of a workflow (by id or name)')
    .argument('<workflow>', 'workflow id or name')
    .option('--var <name=value>', 'a variable of the instance (repeatable)', collect, [])
    .option('--wait', 'return when the instance has ended; exit 1 if it failed')
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 7)', '10m')
    .action(async (idOrName: string, options: { var: string[]; wait?: boolean; timeout: string }, command: Command) => {
      const { api, out } = contextOf(command);
      const vars = parseVars(options.var);
      const timeoutMs = parseDuration(options.timeout, '--timeout');
      const workflow = await resolveWorkflow(api, idOrName);
      let instance = await api.orchestration<WorkflowInstance>('POST', `/workflows/${workflow.id}/instances`, {
        body: vars,
        query: { wait: options.wait ? 'true' : undefined },
      });
      if (options.wait && !instance.terminated) {
        instance = await pollUntilTerminated(api, instance.id, { intervalMs: 250, timeoutMs });
      }
      out.result(instance, (i) =>
        !options.wait
          ? `instance ${i.id} started (workflow ${workflow.config.name ?? workflow.id}); follow it: wfp instances watch ${i.id}`
          : `instance ${i.id} ${i.error ? `failed: ${i.error}` : 'succeeded'}`,
      );
      if (options.wait && instance.error) throw new CliError(EXIT.failed, `instance ${instance.id} failed: ${instance.error}`);
    });
}
