/**
 * Following an instance until it ends, by polling `GET /instances/{id}`: for `run --wait` (the
 * gateway's own wait is bounded by ORCHESTRATION_RUN_WAIT_TIMEOUT_MS) and `instances watch`.
 */
import type { WorkflowInstance } from '@wfp/contracts';
import { ApiClient } from './api-client';
import { CliError, EXIT } from './exit-codes';

export const getInstance = (api: ApiClient, id: string) => api.orchestration<WorkflowInstance>('GET', `/instances/${encodeURIComponent(id)}`);

export interface PollOptions {
  intervalMs: number;
  /** Give up (exit 7) after this long; undefined: never. */
  timeoutMs?: number;
  /** Called with every state seen (the first one included). */
  onUpdate?: (instance: WorkflowInstance) => void | Promise<void>;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function pollUntilTerminated(api: ApiClient, id: string, options: PollOptions): Promise<WorkflowInstance> {
  const sleep = options.sleep ?? defaultSleep;
  const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
  for (;;) {
    const instance = await getInstance(api, id);
    await options.onUpdate?.(instance);
    if (instance.terminated) return instance;
    if (deadline !== undefined && Date.now() >= deadline) {
      throw new CliError(EXIT.timeout, `instance ${id} is still running after ${Math.round(options.timeoutMs! / 1000)}s`);
    }
    await sleep(options.intervalMs);
  }
}

/** `30s`, `2m`, `500ms` or a number of seconds → milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new CliError(EXIT.usage, `${flag} ${text}: expected a duration such as 30s, 2m or 500ms`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * factor);
}
