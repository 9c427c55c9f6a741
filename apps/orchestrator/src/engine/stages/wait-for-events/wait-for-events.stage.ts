import { compile, compileErrorMessage } from '@wfp/expressions';
import { isTemplated, StageDefinition } from '../../core/stage-kind';
import { formatGoDuration, parseGoDuration } from '../shared/go-duration';
import { durationField, enumField, firstProblem, optionalString, saveAsField, stringField, unknownKeys } from '../shared/stage-fields';

/**
 * `wait_for_events`: waits for several domain events on the bus
 * `{mode? (all), events: [{type, if?}], timeout?, on_timeout? (continue), save_as?}` — `mode`
 * `all` (one event for every matcher), `any` (one event for any matcher) or `count(n)` (n events
 * in all). Events are collected **from the instance's start**, so those published before the
 * stage begins count: a stage whose events all came already completes at once. Each matcher's
 * CEL `if` runs over `{event: <payload>, vars: <the instance's variables at its start>}`. The
 * output (saved under `save_as`): `complete`, `count`, `events` (matcher index → its first
 * event's payload) and `missing` (the matchers without an event). At the deadline, `on_timeout`:
 * `continue` (the partial output is saved) or `fail` (error "timeout", the partial output in
 * the stage's history).
 */
const KIND = 'wait_for_events';
export const ON_TIMEOUT = ['continue', 'fail'] as const;
const EVENT_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const COUNT = /^count\((\d{1,4})\)$/;
/** Matchers one stage may have. */
export const MAX_MATCHERS = 20;

export interface CollectMatcher {
  type: string;
  if?: string;
}

export type WaitForEventsInput = {
  mode: string;
  events: CollectMatcher[];
  timeout?: string;
  on_timeout: (typeof ON_TIMEOUT)[number];
  save_as?: string;
};

/** How many events complete the stage: `all` → every matcher, `any` → 1, `count(n)` → n in all. */
export function modeOf(mode: string): { kind: 'all' } | { kind: 'any' } | { kind: 'count'; n: number } | undefined {
  if (mode === 'all') return { kind: 'all' };
  if (mode === 'any') return { kind: 'any' };
  const count = COUNT.exec(mode);
  return count && Number(count[1]) >= 1 ? { kind: 'count', n: Number(count[1]) } : undefined;
}

function matchersProblem(events: unknown, atCreate: boolean): string | undefined {
  if (!Array.isArray(events) || events.length === 0) return `${KIND}: 'events' must be a non-empty array`;
  if (events.length > MAX_MATCHERS) return `${KIND}: at most ${MAX_MATCHERS} events`;
  for (const [i, matcher] of events.entries()) {
    const at = `${KIND}: events[${i}]`;
    if (matcher === null || typeof matcher !== 'object' || Array.isArray(matcher)) return `${at} must be an object`;
    const spec = matcher as Record<string, unknown>;
    const problem = firstProblem(unknownKeys(at, spec, ['type', 'if']), stringField(at, spec, 'type', true), stringField(at, spec, 'if', false));
    if (problem) return problem;
    const type = spec.type as string;
    if (!(atCreate && isTemplated(type)) && (type.length > 200 || !EVENT_TYPE.test(type))) return `${at}: invalid event type '${type}'`;
    const condition = optionalString(spec, 'if');
    if (condition !== undefined && !(atCreate && isTemplated(condition))) {
      try {
        compile(condition);
      } catch (error) {
        return `${at}: ${compileErrorMessage(condition, error)}`;
      }
    }
  }
  return undefined;
}

function problemOf(spec: Record<string, unknown>, atCreate: boolean): string | undefined {
  const problem = firstProblem(
    unknownKeys(KIND, spec, ['mode', 'events', 'timeout', 'on_timeout', 'save_as']),
    stringField(KIND, spec, 'mode', false),
    durationField(KIND, spec, 'timeout', atCreate),
    enumField(KIND, spec, 'on_timeout', ON_TIMEOUT, atCreate),
    saveAsField(KIND, spec),
    matchersProblem(spec.events, atCreate),
  );
  if (problem) return problem;
  const mode = optionalString(spec, 'mode');
  if (mode !== undefined && !(atCreate && isTemplated(mode)) && !modeOf(mode)) return `${KIND}: 'mode' must be all, any or count(n) (n ≥ 1), not '${mode}'`;
  return undefined;
}

export const waitForEventsStage: StageDefinition<WaitForEventsInput> = {
  kind: KIND,
  checkStructure: (spec) => problemOf(spec, true),
  resolve(spec) {
    const problem = problemOf(spec, false);
    if (problem) return { ok: false, error: problem };
    const timeout = optionalString(spec, 'timeout');
    const saveAs = optionalString(spec, 'save_as');
    if (timeout === undefined && spec.on_timeout !== undefined && spec.on_timeout !== '') {
      return { ok: false, error: `${KIND}: 'on_timeout' needs a 'timeout'` };
    }
    return {
      ok: true,
      input: {
        mode: optionalString(spec, 'mode') ?? 'all',
        events: (spec.events as Array<Record<string, unknown>>).map((m) => ({ type: m.type as string, ...(optionalString(m, 'if') !== undefined ? { if: m.if as string } : {}) })),
        ...(timeout !== undefined ? { timeout: formatGoDuration(parseGoDuration(timeout)!) } : {}),
        on_timeout: (optionalString(spec, 'on_timeout') ?? 'continue') as WaitForEventsInput['on_timeout'],
        ...(saveAs !== undefined ? { save_as: saveAs } : {}),
      },
    };
  },
  start(input, { now }) {
    return {
      type: 'collect',
      need: modeOf(input.mode)!,
      events: input.events,
      matchers: input.events.length,
      ...(input.timeout !== undefined ? { deadline: new Date(now.getTime() + parseGoDuration(input.timeout)!) } : {}),
      onTimeout: input.on_timeout,
    };
  },
};
