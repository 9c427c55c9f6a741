import { ActResult } from '../core/stage-kind';
import { isRetryableStatus, LedgerSettings, readBody, transportError } from './acting';

/**
 * A small client of the Formance Ledger v2 HTTP API for `send` and `update`: OAuth2 client
 * credentials (token cached until shortly before it expires, never logged), one POST per call
 * with an `Idempotency-Key`, and the failure classification of acting stages: network errors,
 * timeouts, 401 (token refreshed), 408/429/5xx and `INSUFFICIENT_FUND` (as upstream) are
 * retryable; other ledger errors (`VALIDATION`, `CONFLICT`, `NO_SCRIPT`, `COMPILATION_FAILED`,
 * other 4xx) fail the stage with the ledger's message.
 */
export const LEDGER_NAME = /^[0-9a-zA-Z_-]{1,63}$/;
export const ACCOUNT_ADDRESS = /^[a-zA-Z0-9_-]+(:[a-zA-Z0-9_-]+)*$/;
const RETRYABLE_LEDGER_CODES = ['INSUFFICIENT_FUND'];

export type LedgerCall = { ok: true; body: Record<string, unknown> } | Extract<ActResult, { type: 'retryable' | 'fatal' }>;

/** JSON with big integers: a `bigint` value is written as a JSON number of any size. */
export function jsonWithBigInts(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `@@bigint:${item.toString()}@@` : item)).replace(
    /"@@bigint:(-?\d+)@@"/g,
    '$1',
  );
}

export class LedgerClient {
  private token?: { value: string; expiresAt: number };

  constructor(
    private readonly settings: LedgerSettings | undefined,
    private readonly fetchImpl: typeof fetch,
  ) {}

  get configured(): boolean {
    return this.settings !== undefined;
  }

  async post(path: string, body: unknown, idempotencyKey: string, signal: AbortSignal): Promise<LedgerCall> {
    const settings = this.settings;
    if (!settings) return { type: 'fatal', error: 'no ledger is configured (ORCHESTRATOR_LEDGER_URL)' };
    const headers: Record<string, string> = { 'content-type': 'application/json', 'Idempotency-Key': idempotencyKey };
    try {
      const token = await this.accessToken(signal);
      if (token !== undefined && typeof token !== 'string') return token;
      if (token) headers.authorization = `Bearer ${token}`;
    } catch (error) {
      return { type: 'retryable', error: `ledger authentication: ${transportError(error, settings.timeoutMs)}` };
    }
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(`${settings.baseUrl.replace(/\/+$/, '')}${path}`, {
        method: 'POST',
        headers,
        body: jsonWithBigInts(body),
        signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
      });
      text = await readBody(response);
    } catch (error) {
      return { type: 'retryable', error: `ledger: ${transportError(error, settings.timeoutMs)}` };
    }
    let json: Record<string, unknown> = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      // a non-JSON body: classified by status only
    }
    if (response.status >= 200 && response.status < 300) return { ok: true, body: json };
    if (response.status === 401) {
      this.token = undefined;
      return { type: 'retryable', error: 'ledger: HTTP 401 (access token refused; a new one is requested)' };
    }
    const code = typeof json.errorCode === 'string' ? json.errorCode : undefined;
    const message = `ledger: ${code ?? `HTTP ${response.status}`}${typeof json.errorMessage === 'string' ? `: ${json.errorMessage}` : ''}`;
    if (isRetryableStatus(response.status) || (code !== undefined && RETRYABLE_LEDGER_CODES.includes(code))) {
      return { type: 'retryable', error: message };
    }
    return { type: 'fatal', error: message };
  }

  /** The bearer token (cached), undefined without client credentials, or a failure. */
  private async accessToken(signal: AbortSignal): Promise<string | undefined | LedgerCall> {
    const settings = this.settings!;
    if (!settings.clientId) return undefined;
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    const tokenUrl = settings.tokenUrl ?? `${settings.baseUrl.replace(/\/+$/, '')}/oauth/token`;
    const response = await this.fetchImpl(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: settings.clientId, client_secret: settings.clientSecret ?? '' }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(settings.timeoutMs)]),
    });
    const text = await readBody(response);
    if (!response.ok) {
      const error = `ledger authentication: HTTP ${response.status} from the token endpoint`;
      return isRetryableStatus(response.status) ? { type: 'retryable', error } : { type: 'fatal', error: `${error} (check the client credentials)` };
    }
    let body: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // handled below
    }
    if (typeof body.access_token !== 'string') return { type: 'retryable', error: 'ledger authentication: no access_token in the token response' };
    const lifetimeS = typeof body.expires_in === 'number' ? body.expires_in : 300;
    this.token = { value: body.access_token, expiresAt: Date.now() + Math.max(0, lifetimeS - 30) * 1000 };
    return this.token.value;
  }
}
