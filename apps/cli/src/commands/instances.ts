/**
 * `wfp instances list|get|history|watch|abort` and `wfp instances events send <id> <name>`.
 */
import { Command } from 'commander';
import type { InstanceHistory, StageHistory, Workflow, WorkflowInstance } from '@wfp/contracts';
import { CliError, EXIT } from '../exit-codes';
import { getInstance, parseDuration } from '../instance-polling';
import { watchInstance } from '../instance-watch';
import { resolveWorkflow } from '../lookups';
import { table } from '../output';
import { buildTimeline, renderTimeline } from '../timeline';
import { contextOf } from './context';

const stateOf = (i: WorkflowInstance) => (!i.terminated ? 'running' : i.error ? `failed: ${i.error}` : 'succeeded');
const path = (id: string) => `/instances/${encodeURIComponent(id)}`;

export function instancesCommand(): Command {
  const instances = new Command('instances').description('follow and act on workflow instances');

  instances
    .command('list')
    .description('list instances, oldest first')
    .option('-w, --workflow <workflow>', 'only instances of this workflow (id or name)')
    .option('--running', 'only instances that have not ended')
    .action(async (options: { workflow?: string; running?: boolean }, command: Command) => {
      const { api, out } = contextOf(command);
      const workflowID = options.workflow ? (await resolveWorkflow(api, options.workflow)).id : undefined;
      const list = await api.orchestration<WorkflowInstance[]>('GET', '/instances', {
        query: { workflowID, running: options.running ? 'true' : undefined },
      });
      out.result(list, (l) =>
        l.length ? table(['ID', 'WORKFLOW', 'STATE', 'CREATED'], l.map((i) => [i.id, i.workflowID, stateOf(i), i.createdAt])) : 'no instances',
      );
    });

  instances
    .command('get <id>')
    .description('show an instance and its stage timeline')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api, out } = contextOf(command);
      const instance = await getInstance(api, id);
      if (out.json) return out.result(instance, () => []);
      const workflow = await api.orchestration<Workflow>('GET', `/workflows/${instance.workflowID}`);
      out.result(instance, () => renderTimeline(buildTimeline(instance, workflow.config.stages, new Date(), workflow.config.name)));
    });

  instances
    .command('history <id>')
    .description("an instance's stage history (with --stage: that stage's calls)")
    .option('--stage <number>', 'the history of one stage (0-based)')
    .action(async (id: string, options: { stage?: string }, command: Command) => {
      const { api, out } = contextOf(command);
      if (options.stage !== undefined) {
        if (!/^\d+$/.test(options.stage)) throw new CliError(EXIT.usage, `--stage ${options.stage}: expected a stage number (0, 1, …)`);
        const calls = await api.orchestration<StageHistory[]>('GET', `${path(id)}/stages/${options.stage}/history`);
        return out.result(calls, (l) =>
          table(['NAME', 'STARTED', 'ENDED', 'ERROR'], l.map((h) => [h.name, h.startedAt, h.terminatedAt ?? '', h.error ?? ''])),
        );
      }
      const history = await api.orchestration<InstanceHistory[]>('GET', `${path(id)}/history`);
      out.result(history, (l) =>
        table(['#', 'NAME', 'STARTED', 'ENDED', 'ERROR'], l.map((h, n) => [String(n), h.name, h.startedAt, h.terminatedAt ?? '', h.error ?? ''])),
      );
    });

  instances
    .command('watch <id>')
    .description('the live stage timeline, until the instance ends (exit 0 succeeded, 1 failed)')
    .option('--interval <duration>', 'how often to look', '500ms')
    .option('--timeout <duration>', 'give up after this long (exit 7)')
    .action(async (id: string, options: { interval: string; timeout?: string }, command: Command) => {
      const { api, out } = contextOf(command);
      await watchInstance(api, out, id, {
        intervalMs: parseDuration(options.interval, '--interval'),
        timeoutMs: options.timeout ? parseDuration(options.timeout, '--timeout') : undefined,
      });
    });

  instances
    .command('abort <id>')
    .description('stop an instance (its current stage ends with error "canceled")')
    .action(async (id: string, _options: unknown, command: Command) => {
      const { api, out } = contextOf(command);
      await api.orchestration('PUT', `${path(id)}/abort`);
      out.result({ id, aborted: true }, () => `instance ${id} aborted`);
    });

  const events = instances.command('events').description('signals for waiting instances');
  events
    .command('send <id> <name>')
    .description('send the event <name> to an instance (taken by its wait_event stage)')
    .action(async (id: string, name: string, _options: unknown, command: Command) => {
      const { api, out } = contextOf(command);
      await api.orchestration('POST', `${path(id)}/events`, { body: { name } });
      out.result({ id, event: name, sent: true }, () => `event "${name}" sent to instance ${id}`);
    });

  return instances;
}
