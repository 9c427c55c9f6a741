import { StageKind } from '../../stage-kind';

/** `wait_event`: completes when an event with exactly this name is sent to the instance. */
export const waitEventStage: StageKind<{ event: string }> = {
  kind: 'wait_event',
  checkStructure(spec) {
    if (spec.event !== undefined && spec.event !== null && typeof spec.event !== 'string') {
      return "wait_event: 'event' must be a string";
    }
    return undefined;
  },
  resolve(spec) {
    if (typeof spec.event !== 'string' || spec.event === '') return { ok: false, error: 'wait_event: event is required' };
    return { ok: true, input: { event: spec.event } };
  },
  start: (input) => ({ type: 'wait', event: input.event }),
};
