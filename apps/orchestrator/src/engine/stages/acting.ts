/**
 * What acting stages' actors share: the dependencies their `act` uses (built from configuration
 * by runtime/stages.module.ts; pure tests pass their own), transport-error descriptions, retryable
 * statuses and a bounded body reader.
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

/** How long one call of `intervention`, `send` and `update` may take (the lease adds a margin). */
export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

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
