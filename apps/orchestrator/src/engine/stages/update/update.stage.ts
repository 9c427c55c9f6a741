import { isTemplated, StageActor, StageDefinition } from '../../core/stage-kind';
import { DEFAULT_CALL_TIMEOUT_MS, StageDependencies } from '../acting';
import { ACCOUNT_ADDRESS, LEDGER_NAME, LedgerClient } from '../ledger-client';
import { checkRetry, policyOf, resolveRetry, RetrySpec, retrySpec } from '../shared/retry-policy';
import { firstProblem, isObject, Spec, unknownKeys } from '../shared/stage-fields';

/**
 * `update` (Formance's `Update`): account metadata,
 * `{account: {id, ledger? (default "main", as upstream), metadata: {k: v}}, retry?}`, executed
 * as `POST /v2/{ledger}/accounts/{address}/metadata` against the configured Formance Ledger v2 API
 * with the stage run's idempotency key.
 */
export type UpdateInput = { account: { id: string; ledger: string; metadata: Record<string, string> }; retry: RetrySpec };

function problemOf(spec: Spec, atCreate: boolean): string | undefined {
  const problem = firstProblem(unknownKeys('update', spec, ['account', 'retry']), checkRetry('update', spec));
  if (problem) return problem;
  const account = spec.account;
  if (!isObject(account)) return "update: 'account' is required (an object {id, ledger?, metadata})";
  const extra = unknownKeys('update: account', account, ['id', 'ledger', 'metadata']);
  if (extra) return extra;
  if (typeof account.id !== 'string' || account.id === '') return "update: 'account.id' is required";
  if (!(atCreate && isTemplated(account.id)) && !ACCOUNT_ADDRESS.test(account.id)) return `update: invalid account id '${account.id}'`;
  if (account.ledger !== undefined && account.ledger !== null && account.ledger !== '') {
    if (typeof account.ledger !== 'string') return "update: 'account.ledger' must be a string";
    if (!(atCreate && isTemplated(account.ledger)) && !LEDGER_NAME.test(account.ledger)) return `update: invalid ledger '${account.ledger}'`;
  }
  if (!isObject(account.metadata) || Object.values(account.metadata).some((item) => typeof item !== 'string')) {
    return "update: 'account.metadata' is required (an object of strings)";
  }
  return undefined;
}

/** `update`'s definition (pure). */
export const updateStage: StageDefinition<UpdateInput> = {
    kind: 'update',
    checkStructure: (spec) => problemOf(spec, true),
    resolve(spec) {
      const problem = problemOf(spec, false);
      if (problem) return { ok: false, error: problem };
      const retry = resolveRetry('update', spec);
      if (!retry.ok) return retry;
      const account = spec.account as { id: string; ledger?: string; metadata: Record<string, string> };
      return {
        ok: true,
        input: {
          account: { id: account.id, ledger: account.ledger ? account.ledger : 'main', metadata: { ...account.metadata } },
          retry: retrySpec(retry.policy),
        },
      };
    },
    start: (input) => ({ type: 'act', retry: policyOf(input.retry) }),
    acting: {
      activity: (input) => ({
        name: 'AddAccountMetadata',
        request: { id: input.account.id, ledger: input.account.ledger, metadata: input.account.metadata }, // the SDK's ActivityAddAccountMetadata
      }),
      retryPolicy: (input) => policyOf(input.retry),
      callTimeoutMs: () => DEFAULT_CALL_TIMEOUT_MS,
    },
};

/** `update`'s actor: the metadata write, through the ledger client. */
export function createUpdateActor(deps: StageDependencies, ledger = new LedgerClient(deps.ledger, deps.fetch)): StageActor<UpdateInput> {
  return {
    kind: 'update',
    async act(input, context) {
      const path = `/v2/${encodeURIComponent(input.account.ledger)}/accounts/${encodeURIComponent(input.account.id)}/metadata`;
      const result = await ledger.post(path, input.account.metadata, context.idempotencyKey, context.signal);
      return 'ok' in result ? { type: 'succeeded', output: {} } : result;
    },
  };
}
