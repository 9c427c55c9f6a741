import { ActResult, StageKind } from '../core/stage-kind';
import { RetrySpec } from './shared/retry-policy';

/**
 * What acting stages share: the dependencies their `act` uses (built from configuration by the
 * engine module; the registry used for validation gets unconfigured ones), the activity name and
 * input that stage history shows for each attempt (`save_as` outputs become variables in core/lifecycle.ts `saveOutput`).
 */

/** A command to the interventions service, acting as the system actor (transport errors throw). */
export type InterventionsCommand = (
  command: string,
  payload: Record<string, unknown>,
) => Promise<{ ok: true; data: Record<string, unknown> } | { ok: false; error: { code: string; message: string } }>;

export interface StageDependencies {
  /** `fetch` for `http` and the ledger (tests may pass their own). */
  fetch: typeof fetch;
  /** Hosts `http` may call (`example.com`, `*.example.com`); undefined: any host (the SSRF control). */
  httpAllowedHosts?: string[];
  /** The interventions service's commands. */
  interventions: InterventionsCommand;
  /** The user id the `intervention` stage acts as; undefined: the built-in system user. */
  interventionsActorUserId?: string;
  /** The Formance Ledger v2 API used by `send` and `update`; undefined: not configured. */
  ledger?: LedgerSettings;
}

export interface LedgerSettings {
  baseUrl: string;
  /** OAuth2 client credentials (token from `tokenUrl`, default `<baseUrl>/oauth/token`). */
  clientId?: string;
  clientSecret?: string;
  tokenUrl?: string;
  timeoutMs: number;
}

export const UNCONFIGURED: StageDependencies = {
  fetch: () => Promise.reject(new Error('stage dependencies are not configured')),
  interventions: () => Promise.reject(new Error('stage dependencies are not configured')),
};

/** One attempt as stage history shows it: `name` and `input` (`{<name>: request}`). */
export interface Activity {
  name: string;
  request: Record<string, unknown>;
}

/** A stage kind whose `start` answers `act`: its activity description and its `act`. */
export interface ActingStageKind<T extends Record<string, unknown> & { retry: RetrySpec }> extends StageKind<T> {
  activity(input: T): Activity;
  act(input: T, context: Parameters<NonNullable<StageKind<T>['act']>>[1]): Promise<ActResult>;
}

export function isActingKind(kind: StageKind): kind is ActingStageKind<Record<string, unknown> & { retry: RetrySpec }> {
  return typeof (kind as { activity?: unknown }).activity === 'function' && typeof kind.act === 'function';
}

/** A short, secret-free description of a thrown transport error. */
export function transportError(error: unknown, timeoutMs?: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return timeoutMs !== undefined ? `timeout after ${timeoutMs} ms` : 'timeout';
  if (e?.name === 'AbortError') return 'aborted';
  if (e?.name === 'ServiceUnavailableError') return e.message ?? 'service unavailable';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `network error: ${cause}` : `network error: ${e?.message ?? String(error)}`;
}

/** 408, 429 and 5xx are worth retrying; other 4xx are not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Reads at most `limit` characters of a response body. */
export async function readBody(response: Response, limit = 1_000_000): Promise<string> {
  const text = await response.text();
  return text.length > limit ? text.slice(0, limit) : text;
}
