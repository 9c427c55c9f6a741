import { INTERVENTIONS_COMMANDS, SYSTEM_ACTIONS } from '@wfp/contracts';
import { isTemplated, StageActor, StageDefinition } from '../../core/stage-kind';
import { DEFAULT_CALL_TIMEOUT_MS, StageDependencies, transportError } from '../acting';
import { checkRetry, policyOf, resolveRetry, RetrySpec, retrySpec } from '../shared/retry-policy';
import { enumField, firstProblem, isObject, Spec, stringField, unknownKeys } from '../shared/stage-fields';

/**
 * `intervention`: acts on an Engage intervention through the interventions service's
 * `systemAction` command, as the system actor (the built-in system user, or the user configured
 * by id), whose role and source permissions are checked like anyone's:
 * `{id, action: reassign, user_id}`, `{id, action: categorize, category_ids: [...]}`,
 * `{id, action: close}`, `{id, action: set_custom_fields, custom_fields: {k: v}}`.
 * A rule's refusal (403/404/422, or an invalid request) fails the stage at once with the rule's
 * message; transport failures and concurrent-modification conflicts are retried. The stage run's
 * idempotency key makes a retry after a lost reply answer the first result without acting twice.
 */
type Action = (typeof SYSTEM_ACTIONS)[number];
const ACTION_FIELD: Record<Action, string | undefined> = {
  reassign: 'user_id',
  categorize: 'category_ids',
  close: undefined,
  set_custom_fields: 'custom_fields',
};
const FATAL_CODES = ['FORBIDDEN', 'NOT_FOUND', 'UNPROCESSABLE', 'VALIDATION', 'UNAUTHORIZED'];

export type InterventionInput = {
  id: string;
  action: Action;
  user_id?: string;
  category_ids?: string[];
  custom_fields?: Record<string, string | number | boolean | null>;
  retry: RetrySpec;
};

function problemOf(spec: Spec, atCreate: boolean): string | undefined {
  const problem = firstProblem(
    unknownKeys('intervention', spec, ['id', 'action', 'user_id', 'category_ids', 'custom_fields', 'retry']),
    stringField('intervention', spec, 'id', true),
    stringField('intervention', spec, 'action', true),
    enumField('intervention', spec, 'action', SYSTEM_ACTIONS, atCreate),
    checkRetry('intervention', spec),
  );
  if (problem) return problem;
  const action = spec.action as string;
  if (atCreate && isTemplated(action)) return undefined;
  const needed = ACTION_FIELD[action as Action];
  for (const field of Object.values(ACTION_FIELD)) {
    if (field && field !== needed && spec[field] !== undefined) return `intervention: '${field}' does not apply to action ${action}`;
  }
  if (needed === 'user_id') return stringField('intervention', spec, 'user_id', true);
  if (needed === 'category_ids') {
    const ids = spec.category_ids;
    if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) {
      return "intervention: 'category_ids' must be an array of category ids (strings) for action categorize";
    }
  }
  if (needed === 'custom_fields') {
    const fields = spec.custom_fields;
    if (!isObject(fields)) return "intervention: 'custom_fields' must be an object for action set_custom_fields";
    for (const [key, value] of Object.entries(fields)) {
      if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
        return `intervention: custom field '${key}' must be a string, number, boolean or null`;
      }
    }
  }
  return undefined;
}

/** `intervention`'s definition (pure). */
export const interventionStage: StageDefinition<InterventionInput> = {
    kind: 'intervention',
    checkStructure: (spec) => problemOf(spec, true),
    resolve(spec) {
      const problem = problemOf(spec, false);
      if (problem) return { ok: false, error: problem };
      const retry = resolveRetry('intervention', spec);
      if (!retry.ok) return retry;
      const action = spec.action as Action;
      const field = ACTION_FIELD[action];
      return {
        ok: true,
        input: {
          id: spec.id as string,
          action,
          ...(field ? { [field]: spec[field] } : {}),
          retry: retrySpec(retry.policy),
        },
      };
    },
    start: (input) => ({ type: 'act', retry: policyOf(input.retry) }),
    acting: {
      retryPolicy: (input) => policyOf(input.retry),
      callTimeoutMs: () => DEFAULT_CALL_TIMEOUT_MS,
      activity: (input) => ({
      name: 'InterventionAction',
      request: {
        id: input.id,
        action: input.action,
        ...(input.user_id !== undefined ? { user_id: input.user_id } : {}),
        ...(input.category_ids !== undefined ? { category_ids: input.category_ids } : {}),
        ...(input.custom_fields !== undefined ? { custom_fields: input.custom_fields } : {}),
      },
    }),
    },
};

/** `intervention`'s actor: the system action, through the interventions service's command. */
export function createInterventionActor(deps: StageDependencies): StageActor<InterventionInput> {
  return {
    kind: 'intervention',
    async act(input, context) {
      const payload: Record<string, unknown> = {
        id: input.id,
        action: input.action,
        idempotency_key: context.idempotencyKey,
        ...(deps.interventionsActorUserId ? { actor_user_id: deps.interventionsActorUserId } : {}),
        ...(input.user_id !== undefined ? { user_id: input.user_id } : {}),
        ...(input.category_ids !== undefined ? { category_ids: input.category_ids } : {}),
        ...(input.custom_fields !== undefined ? { custom_field_values: input.custom_fields } : {}),
      };
      let reply: Awaited<ReturnType<StageDependencies['interventions']>>;
      try {
        reply = await deps.interventions(INTERVENTIONS_COMMANDS.systemAction, payload);
      } catch (error) {
        return { type: 'retryable', error: `interventions service: ${transportError(error)}` };
      }
      if (reply.ok) {
        const data = reply.data;
        return {
          type: 'succeeded',
          output: { id: data.id, user_id: data.user_id ?? null, status: data.status, closed: data.closed, category_ids: data.category_ids },
        };
      }
      const message = reply.error.message;
      return FATAL_CODES.includes(reply.error.code) ? { type: 'fatal', error: message } : { type: 'retryable', error: `${reply.error.code}: ${message}` };
    },
  };
}
