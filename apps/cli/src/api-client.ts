/**
 * The gateway's HTTP APIs as `wfp` uses them: Formance Orchestration v1 under /api/orchestration
 * and POST /api/events, with an OAuth2 client-credentials token when WFP_CLIENT_ID/SECRET are set
 * (fetched once from /api/auth/oauth/token, fetched again once on a 401). Every failure becomes a
 * CliError whose exit code says what kind it is.
 */
import { CliConfig } from './cli-config';
import { CliError, EXIT } from './exit-codes';

const SCOPE = 'orchestration:read orchestration:write';

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
}

export class ApiClient {
  private token: string | undefined;

  constructor(
    private readonly config: CliConfig,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    this.token = config.token;
  }

  get url(): string {
    return this.config.url;
  }

  /** A Formance v1 call: the `data` of the answer (undefined for 204). */
  async orchestration<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const answer = await this.request<{ data: T } | undefined>(method, `/api/orchestration${path}`, options);
    return answer?.data as T;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    let res = await this.send(method, path, options);
    if (res.status === 401 && this.config.clientId && !this.config.token) {
      this.token = undefined; // expired: one fresh token
      res = await this.send(method, path, options);
    }
    const text = await res.text();
    if (res.status >= 400) throw this.failure(method, path, res, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const bearer = await this.bearer();
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const query = new URLSearchParams(
      Object.entries(options.query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ).toString();
    return this.fetch(`${this.config.url}${path}${query ? `?${query}` : ''}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  }

  private async bearer(): Promise<string | undefined> {
    if (this.token) return this.token;
    const { clientId, clientSecret } = this.config;
    if (!clientId) return undefined;
    if (!clientSecret) throw new CliError(EXIT.usage, 'WFP_CLIENT_ID is set but WFP_CLIENT_SECRET is not');
    const res = await this.fetch(`${this.config.url}/api/auth/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: SCOPE }),
    });
    const text = await res.text();
    if (res.status !== 200) {
      const reason = safeJson<{ error_description?: string; error?: string }>(text);
      throw new CliError(
        res.status === 401 || res.status === 400 ? EXIT.unauthorized : EXIT.failed,
        `the gateway refused the client credentials (${res.status}${reason?.error_description ? `: ${reason.error_description}` : ''}): check WFP_CLIENT_ID and WFP_CLIENT_SECRET`,
      );
    }
    this.token = (JSON.parse(text) as { access_token: string }).access_token;
    return this.token;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, init);
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        EXIT.unavailable,
        `the gateway at ${this.config.url} does not answer (${cause?.code ?? cause?.message ?? (error as Error).message}): is the platform running (npm start)? Set WFP_URL or --url to its address`,
      );
    }
  }

  private failure(method: string, path: string, res: Response, text: string): CliError {
    const body = safeJson<{ errorMessage?: string; message?: string }>(text);
    const reason = body?.errorMessage ?? body?.message ?? (text.trim() || res.statusText);
    const what = `${method} ${path}`;
    if (res.status === 401) {
      const why = /error_description="([^"]*)"/.exec(res.headers.get('www-authenticate') ?? '')?.[1];
      const hint = this.config.clientId || this.config.token ? 'check WFP_CLIENT_ID / WFP_CLIENT_SECRET' : 'auth is on: set WFP_CLIENT_ID and WFP_CLIENT_SECRET';
      return new CliError(EXIT.unauthorized, `${what}: 401 unauthorized${why ? ` (${why})` : ''}: ${hint}`);
    }
    if (res.status === 404) return new CliError(EXIT.notFound, `${what}: not found${reason ? ` (${reason})` : ''}`);
    if (res.status === 503) return new CliError(EXIT.unavailable, `${what}: 503 ${reason}`);
    return new CliError(EXIT.failed, `${what}: ${res.status} ${reason}`);
  }
}

function safeJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
