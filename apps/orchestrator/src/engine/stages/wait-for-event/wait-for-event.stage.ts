import { compile, compileErrorMessage } from '@wfp/expressions';
import { isTemplated, StageDefinition } from '../../core/stage-kind';
import { formatGoDuration, parseGoDuration } from '../shared/go-duration';
import { durationField, enumField, firstProblem, optionalString, saveAsField, stringField, unknownKeys } from '../shared/stage-fields';

/**
 * `wait_for_event`: waits for a domain event on the bus
 * `{type, if?, timeout?, on_event? (continue), on_timeout? (fail), save_as?}`: the first event of
 * `type` published **after the wait began** whose payload satisfies the CEL condition `if` over
 * `{event: <payload>, vars: <the instance's variables>}` (like trigger filters) ends the wait:
 * `on_event: continue` goes on with the next stage, `succeed` ends the instance successfully
 * here. At the deadline, `on_timeout`: `fail` (error "timeout"), `continue` or `succeed`. With
 * `save_as: closed`, later stages see `${closed.<field>}` for the event payload's scalar fields.
 */
export const ON_EVENT = ['continue', 'succeed'] as const;
export const ON_TIMEOUT = ['fail', 'continue', 'succeed'] as const;
const EVENT_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

export type WaitForEventInput = {
  type: string;
  if?: string;
  timeout?: string;
  on_event: (typeof ON_EVENT)[number];
  on_timeout: (typeof ON_TIMEOUT)[number];
  save_as?: string;
};

function problemOf(spec: Record<string, unknown>, atCreate: boolean): string | undefined {
  const problem = firstProblem(
    unknownKeys('wait_for_event', spec, ['type', 'if', 'timeout', 'on_event', 'on_timeout', 'save_as']),
    stringField('wait_for_event', spec, 'type', true),
    stringField('wait_for_event', spec, 'if', false),
    durationField('wait_for_event', spec, 'timeout', atCreate),
    enumField('wait_for_event', spec, 'on_event', ON_EVENT, atCreate),
    enumField('wait_for_event', spec, 'on_timeout', ON_TIMEOUT, atCreate),
    saveAsField('wait_for_event', spec),
  );
  if (problem) return problem;
  const type = spec.type as string;
  if (!(atCreate && isTemplated(type)) && (type.length > 200 || !EVENT_TYPE.test(type))) {
    return `wait_for_event: invalid event type '${type}'`;
  }
  const condition = optionalString(spec, 'if');
  if (condition !== undefined && !(atCreate && isTemplated(condition))) {
    try {
      compile(condition);
    } catch (error) {
      return `wait_for_event: ${compileErrorMessage(condition, error)}`;
    }
  }
  return undefined;
}

export const waitForEventStage: StageDefinition<WaitForEventInput> = {
  kind: 'wait_for_event',
  checkStructure: (spec) => problemOf(spec, true),
  resolve(spec) {
    const problem = problemOf(spec, false);
    if (problem) return { ok: false, error: problem };
    const timeout = optionalString(spec, 'timeout');
    const condition = optionalString(spec, 'if');
    const saveAs = optionalString(spec, 'save_as');
    if (timeout === undefined && spec.on_timeout !== undefined && spec.on_timeout !== '') {
      return { ok: false, error: "wait_for_event: 'on_timeout' needs a 'timeout'" };
    }
    return {
      ok: true,
      input: {
        type: spec.type as string,
        ...(condition !== undefined ? { if: condition } : {}),
        ...(timeout !== undefined ? { timeout: formatGoDuration(parseGoDuration(timeout)!) } : {}),
        on_event: (optionalString(spec, 'on_event') ?? 'continue') as WaitForEventInput['on_event'],
        on_timeout: (optionalString(spec, 'on_timeout') ?? 'fail') as WaitForEventInput['on_timeout'],
        ...(saveAs !== undefined ? { save_as: saveAs } : {}),
      },
    };
  },
  start(input, { now }) {
    return {
      type: 'wait_bus',
      eventType: input.type,
      ...(input.if !== undefined ? { condition: input.if } : {}),
      ...(input.timeout !== undefined ? { deadline: new Date(now.getTime() + parseGoDuration(input.timeout)!) } : {}),
      onEvent: input.on_event,
      onTimeout: input.on_timeout,
      ...(input.save_as !== undefined ? { saveAs: input.save_as } : {}),
    };
  },
};
