/**
 * `wfp instances watch <id>`: the live stage timeline of an instance. On a terminal the block is
 * redrawn in place every poll (durations tick); piped, or with --json (NDJSON), a new block or
 * JSON line only when a stage changed. Ends with the instance: exit 0 succeeded, 1 failed.
 */
import type { Workflow, WorkflowInstance } from '@wfp/contracts';
import { ApiClient } from './api-client';
import { CliError, EXIT } from './exit-codes';
import { pollUntilTerminated } from './instance-polling';
import { Output } from './output';
import { buildTimeline, renderTimeline, Timeline } from './timeline';

export interface WatchOptions {
  intervalMs: number;
  timeoutMs?: number;
  now?: () => Date;
}

/** What changes a stage's line, without the ticking durations. */
function signature(timeline: Timeline): string {
  return JSON.stringify([timeline.state, timeline.stages.map((s) => [s.state, s.startedAt, s.terminatedAt, s.error])]);
}

export async function watchInstance(api: ApiClient, out: Output, id: string, options: WatchOptions): Promise<Timeline> {
  const now = options.now ?? (() => new Date());
  let workflow: Workflow | undefined;
  let last: Timeline | undefined;
  let lastSignature = '';
  let drawnLines = 0;
  const onUpdate = async (instance: WorkflowInstance) => {
    workflow ??= await api.orchestration<Workflow>('GET', `/workflows/${instance.workflowID}`);
    const timeline = buildTimeline(instance, workflow.config.stages, now(), workflow.config.name);
    last = timeline;
    const changed = signature(timeline) !== lastSignature;
    lastSignature = signature(timeline);
    if (out.json) {
      if (changed) out.write(`${JSON.stringify(timeline)}\n`);
      return;
    }
    const lines = renderTimeline(timeline);
    if (out.isTty) {
      // Move up over the previous block and clear it, then draw the new one.
      out.write(`${drawnLines ? `\x1b[${drawnLines}A\x1b[J` : ''}${lines.join('\n')}\n`);
      drawnLines = lines.length;
    } else if (changed) {
      out.write(`${lines.join('\n')}\n\n`);
    }
  };
  const instance = await pollUntilTerminated(api, id, { intervalMs: options.intervalMs, timeoutMs: options.timeoutMs, onUpdate });
  if (instance.error) throw new CliError(EXIT.failed, `instance ${id} failed: ${instance.error}`);
  return last!;
}
