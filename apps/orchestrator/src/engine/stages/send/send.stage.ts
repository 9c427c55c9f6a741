import { isTemplated, StageActor, StageDefinition } from '../../core/stage-kind';
import { DEFAULT_CALL_TIMEOUT_MS, StageDependencies } from '../acting';
import { ACCOUNT_ADDRESS, LEDGER_NAME, LedgerClient } from '../ledger-client';
import { checkRetry, policyOf, resolveRetry, RetrySpec, retrySpec } from '../shared/retry-policy';
import { firstProblem, isObject, Spec, unknownKeys } from '../shared/stage-fields';

/**
 * `send` (Formance's `StageSend`) between ledger accounts:
 * `{source: {account: {id, ledger? (default), throughAccount? (world), allowOverdraft? (false)}},
 *   destination: {account: {...}}, amount: {asset, amount}, metadata?: {k: v}, timestamp?, retry?}`
 * executed against a Formance Ledger v2 API (`POST /v2/{ledger}/transactions`): one transaction
 * on one ledger; across ledgers, source → throughAccount on the source ledger
 * (`orchestration/move-to-ledger`) then throughAccount → destination on the destination ledger
 * (`orchestration/move-from-ledger`), as upstream. Each call carries an idempotency key derived
 * from the stage run's, so a retry never posts twice. Wallet and payment sources/destinations are
 * not supported (400 at create; docs/compatibility.md).
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const ASSET = /^[A-Z][A-Z0-9]{0,16}(_[A-Z]{1,16})?(\/\d{1,6})?$/;

export type SendAccount = { id: string; ledger: string; throughAccount: string; allowOverdraft: boolean };
export type SendInput = {
  source: { account: SendAccount };
  destination: { account: SendAccount };
  amount: { asset: string; amount: string };
  metadata: Record<string, string>;
  timestamp?: string;
  retry: RetrySpec;
};

function endpointProblem(side: 'source' | 'destination', value: unknown, atCreate: boolean): string | undefined {
  if (!isObject(value)) return `send: '${side}' must be an object with an 'account'`;
  for (const unsupported of ['wallet', 'payment']) {
    if (value[unsupported] !== undefined) {
      return `send: ${unsupported} ${side === 'source' ? 'sources' : 'destinations'} are not supported (ledger accounts only; see docs/compatibility.md)`;
    }
  }
  const extra = unknownKeys(`send: ${side}`, value, ['account']);
  if (extra) return extra;
  const account = value.account;
  if (!isObject(account)) return `send: '${side}.account' is required (an object {id, ledger?})`;
  const extraAccount = unknownKeys(`send: ${side}.account`, account, ['id', 'ledger', 'throughAccount', 'allowOverdraft']);
  if (extraAccount) return extraAccount;
  for (const field of ['id', 'ledger', 'throughAccount'] as const) {
    const item = account[field];
    if (item === undefined || item === null || item === '') {
      if (field === 'id') return `send: '${side}.account.id' is required`;
      continue;
    }
    if (typeof item !== 'string') return `send: '${side}.account.${field}' must be a string`;
    if (atCreate && isTemplated(item)) continue;
    if (field === 'ledger' ? !LEDGER_NAME.test(item) : !ACCOUNT_ADDRESS.test(item)) {
      return `send: invalid ${side}.account.${field} '${item}'`;
    }
  }
  const overdraft = account.allowOverdraft;
  if (overdraft !== undefined && overdraft !== null && typeof overdraft !== 'boolean' && !(typeof overdraft === 'string' && /^(true|false|\$\{[^}]+\})$/i.test(overdraft))) {
    return `send: '${side}.account.allowOverdraft' must be a boolean`;
  }
  return undefined;
}

function problemOf(spec: Spec, atCreate: boolean): string | undefined {
  const problem = firstProblem(
    unknownKeys('send', spec, ['source', 'destination', 'amount', 'metadata', 'timestamp', 'retry']),
    endpointProblem('source', spec.source, atCreate),
    endpointProblem('destination', spec.destination, atCreate),
    checkRetry('send', spec),
  );
  if (problem) return problem;
  const amount = spec.amount;
  if (!isObject(amount)) return "send: 'amount' is required (an object {asset, amount})";
  if (typeof amount.asset !== 'string' || amount.asset === '') return "send: 'amount.asset' is required";
  if (!(atCreate && isTemplated(amount.asset)) && !ASSET.test(amount.asset)) return `send: invalid asset '${amount.asset}'`;
  const value = amount.amount;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) return 'send: amount.amount must be a non-negative integer (use a string for big amounts)';
  } else if (typeof value === 'string') {
    if (!(atCreate && isTemplated(value)) && !/^\d+$/.test(value)) return `send: unable to parse '${value}' as an amount (a non-negative integer)`;
  } else return "send: 'amount.amount' is required (an integer, or a string of digits)";
  if (spec.metadata !== undefined && spec.metadata !== null) {
    if (!isObject(spec.metadata) || Object.values(spec.metadata).some((item) => typeof item !== 'string')) {
      return "send: 'metadata' must be an object of strings";
    }
  }
  const timestamp = spec.timestamp;
  if (timestamp !== undefined && timestamp !== null && timestamp !== '') {
    if (typeof timestamp !== 'string') return "send: 'timestamp' must be an RFC 3339 date string";
    if (!(atCreate && isTemplated(timestamp)) && (!RFC3339.test(timestamp) || Number.isNaN(new Date(timestamp).getTime()))) {
      return `send: invalid timestamp '${timestamp}' (RFC 3339 expected)`;
    }
  }
  return undefined;
}

function account(value: Record<string, unknown>): SendAccount {
  const spec = value.account as Record<string, unknown>;
  const text = (field: string, fallback: string) => (typeof spec[field] === 'string' && spec[field] !== '' ? (spec[field] as string) : fallback);
  return {
    id: spec.id as string,
    ledger: text('ledger', 'default'),
    throughAccount: text('throughAccount', 'world'),
    allowOverdraft: spec.allowOverdraft === true || (typeof spec.allowOverdraft === 'string' && spec.allowOverdraft.toLowerCase() === 'true'),
  };
}

type Posting = { source: string; destination: string; amount: bigint; asset: string };

/** A transaction body: plain postings, or Numscript when the source may overdraw (as upstream). */
function transaction(posting: Posting, allowOverdraft: boolean, metadata: Record<string, string>, timestamp?: string): Record<string, unknown> {
  const body: Record<string, unknown> = allowOverdraft
    ? {
        script: {
          plain: `send [${posting.asset} ${posting.amount}] (\n  source = @${posting.source} allowing unbounded overdraft\n  destination = @${posting.destination}\n)`,
          vars: {},
        },
      }
    : { postings: [posting] };
  body.metadata = metadata;
  if (timestamp) body.timestamp = timestamp;
  return body;
}

/** The ledger calls of a send: one, or two through the accounts' `throughAccount` across ledgers. */
function plan(input: SendInput): Array<{ ledger: string; body: Record<string, unknown> }> {
    const { source, destination } = { source: input.source.account, destination: input.destination.account };
    const amount = BigInt(input.amount.amount);
    const asset = input.amount.asset;
    if (source.ledger === destination.ledger) {
      return [{ ledger: source.ledger, body: transaction({ source: source.id, destination: destination.id, amount, asset }, source.allowOverdraft, input.metadata, input.timestamp) }];
    }
    return [
      {
        ledger: source.ledger,
        body: transaction(
          { source: source.id, destination: source.throughAccount, amount, asset },
          source.allowOverdraft,
          { ...input.metadata, 'orchestration/move-to-ledger': destination.ledger },
          input.timestamp,
        ),
      },
      {
        ledger: destination.ledger,
        body: transaction(
          { source: destination.throughAccount, destination: destination.id, amount, asset },
          false,
          { ...input.metadata, 'orchestration/move-from-ledger': source.ledger },
          input.timestamp,
        ),
      },
    ];
}

/** `send`'s definition (pure). */
export const sendStage: StageDefinition<SendInput> = {
    kind: 'send',
    checkStructure: (spec) => problemOf(spec, true),
    resolve(spec) {
      const problem = problemOf(spec, false);
      if (problem) return { ok: false, error: problem };
      const retry = resolveRetry('send', spec);
      if (!retry.ok) return retry;
      const amount = spec.amount as { asset: string; amount: string | number };
      const timestamp = typeof spec.timestamp === 'string' && spec.timestamp !== '' ? new Date(spec.timestamp).toISOString() : undefined;
      return {
        ok: true,
        input: {
          source: { account: account(spec.source as Record<string, unknown>) },
          destination: { account: account(spec.destination as Record<string, unknown>) },
          amount: { asset: amount.asset, amount: String(amount.amount) },
          metadata: { ...((spec.metadata as Record<string, string> | undefined) ?? {}) },
          ...(timestamp ? { timestamp } : {}),
          retry: retrySpec(retry.policy),
        },
      };
    },
    start: (input) => ({ type: 'act', retry: policyOf(input.retry) }),
    // As the SDK's ActivityCreateTransaction: `{ledger, data}` (the first call), plus every call of a cross-ledger send.
    acting: {
      activity: (input) => {
        const calls = plan(input).map((call) => ({ ledger: call.ledger, data: JSON.parse(historyJson(call.body)) as unknown }));
        return { name: 'CreateTransaction', request: { ...calls[0], ...(calls.length > 1 ? { transactions: calls } : {}) } };
      },
      retryPolicy: (input) => policyOf(input.retry),
      callTimeoutMs: () => DEFAULT_CALL_TIMEOUT_MS,
    },
};

/** `send`'s actor: the ledger transactions, through the ledger client. */
export function createSendActor(deps: StageDependencies, ledger = new LedgerClient(deps.ledger, deps.fetch)): StageActor<SendInput> {
  return {
    kind: 'send',
    async act(input, context) {
      const calls = plan(input);
      const transactions: Array<{ ledger: string; id: unknown }> = [];
      let last: Record<string, unknown> = {};
      for (const [index, call] of calls.entries()) {
        const key = calls.length === 1 ? context.idempotencyKey : `${context.idempotencyKey}:${index + 1}`;
        const result = await ledger.post(`/v2/${encodeURIComponent(call.ledger)}/transactions`, call.body, key, context.signal);
        if (!('ok' in result)) return result;
        last = isObject(result.body.data) ? result.body.data : {};
        transactions.push({ ledger: call.ledger, id: last.id ?? null });
      }
      // As the SDK's CreateTransactionResponse: `{data: <the transaction>}` (the last one), plus every call's id.
      return { type: 'succeeded', output: { data: last, ...(calls.length > 1 ? { transactions } : {}) } };
    },
  };
}

/** The body as plain JSON for stage history (amounts as numbers, as the SDK reads them; exact below 2^53). */
function historyJson(body: unknown): string {
  return JSON.stringify(body, (_key, item: unknown) => (typeof item === 'bigint' ? Number(item) : item));
}
