import { WORKFLOW_EVENT_TYPES } from '@wfp/contracts';
import { isTemplated, StageDefinition } from '../../core/stage-kind';
import { firstProblem, isObject, Spec, stringField, unknownKeys } from '../shared/stage-fields';

/**
 * `publish`: emits a domain event on the bus through the orchestrator's outbox, in the same
 * transaction that completes the stage: `{type, payload?}`. The envelope is `app: orchestration`,
 * `version: v1`; the engine's `${var}` interpolation applies to every string leaf of `payload`.
 * The names of the orchestrator's own lifecycle events are refused (they would impersonate them).
 */
export const PUBLISHED_EVENTS_APP = 'orchestration';
export const PUBLISHED_EVENTS_VERSION = 'v1';
const EVENT_TYPE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const RESERVED: readonly string[] = Object.keys(WORKFLOW_EVENT_TYPES);

export type PublishInput = { type: string; payload: Record<string, unknown> };

function problemOf(spec: Spec, atCreate: boolean): string | undefined {
  const problem = firstProblem(unknownKeys('publish', spec, ['type', 'payload']), stringField('publish', spec, 'type', true));
  if (problem) return problem;
  const type = spec.type as string;
  if (!(atCreate && isTemplated(type))) {
    if (type.length > 200 || !EVENT_TYPE.test(type)) {
      return `publish: invalid event type '${type}' (dot-separated tokens of letters, digits, '_' and '-')`;
    }
    if (RESERVED.includes(type)) return `publish: '${type}' is an orchestrator lifecycle event and cannot be published`;
  }
  if (spec.payload !== undefined && spec.payload !== null && !isObject(spec.payload)) return "publish: 'payload' must be an object";
  return undefined;
}

export const publishStage: StageDefinition<PublishInput> = {
  kind: 'publish',
  checkStructure: (spec) => problemOf(spec, true),
  resolve(spec) {
    const problem = problemOf(spec, false);
    if (problem) return { ok: false, error: problem };
    return { ok: true, input: { type: spec.type as string, payload: isObject(spec.payload) ? spec.payload : {} } };
  },
  start: (input) => ({ type: 'emit', event: { type: input.type, payload: input.payload } }),
};
