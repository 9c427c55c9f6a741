import { StageDefinition } from '../../core/stage-kind';
import { formatGoDuration, parseGoDuration } from '../shared/go-duration';
import { durationField, enumField, firstProblem, optionalString } from '../shared/stage-fields';

/**
 * `wait_event`: completes when an event with exactly this name is sent to the instance.
 * Beyond upstream: an optional `timeout` (Go duration) with `on_timeout: fail|continue` (default
 * `fail`, error "timeout"); without them it behaves exactly as upstream (waits forever).
 */
export type WaitEventInput = { event: string; timeout?: string; on_timeout?: 'fail' | 'continue' };
const ON_TIMEOUT = ['fail', 'continue'] as const;

function problemOf(spec: Record<string, unknown>, atCreate: boolean): string | undefined {
  if (spec.event !== undefined && spec.event !== null && typeof spec.event !== 'string') {
    return "wait_event: 'event' must be a string";
  }
  return firstProblem(durationField('wait_event', spec, 'timeout', atCreate), enumField('wait_event', spec, 'on_timeout', ON_TIMEOUT, atCreate));
}

export const waitEventStage: StageDefinition<WaitEventInput> = {
  kind: 'wait_event',
  checkStructure: (spec) => problemOf(spec, true),
  resolve(spec) {
    const problem = problemOf(spec, false);
    if (problem) return { ok: false, error: problem };
    if (typeof spec.event !== 'string' || spec.event === '') return { ok: false, error: 'wait_event: event is required' };
    const timeout = optionalString(spec, 'timeout');
    const onTimeout = optionalString(spec, 'on_timeout') as WaitEventInput['on_timeout'];
    if (onTimeout !== undefined && timeout === undefined) return { ok: false, error: "wait_event: 'on_timeout' needs a 'timeout'" };
    return {
      ok: true,
      input: {
        event: spec.event,
        ...(timeout !== undefined ? { timeout: formatGoDuration(parseGoDuration(timeout)!), on_timeout: onTimeout ?? 'fail' } : {}),
      },
    };
  },
  start(input, { now }) {
    if (input.timeout === undefined) return { type: 'wait', event: input.event };
    return {
      type: 'wait',
      event: input.event,
      deadline: new Date(now.getTime() + parseGoDuration(input.timeout)!),
      onTimeout: input.on_timeout ?? 'fail',
    };
  },
};
