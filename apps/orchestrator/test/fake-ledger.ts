import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A Formance Ledger v2 HTTP API for tests (the ledger is an external neighbour): an OAuth2
 * client-credentials token endpoint, `POST /v2/{ledger}/transactions` and
 * `POST /v2/{ledger}/accounts/{address}/metadata`, idempotent by `Idempotency-Key` like the real
 * ledger, with scripted failures (`failNext`) and every request recorded.
 */
export class FakeLedger {
  readonly requests: Array<{ path: string; key?: string; auth?: string; body: unknown; raw: string }> = [];
  readonly transactions: Array<{ ledger: string; id: number; body: Record<string, unknown> }> = [];
  readonly metadata = new Map<string, Record<string, string>>();
  tokensIssued = 0;
  private readonly failures: Array<{ status: number; body?: unknown }> = [];
  private readonly byKey = new Map<string, { status: number; body: unknown }>();
  private server?: Server;
  url = '';

  static readonly CLIENT_ID = 'orchestrator';
  static readonly CLIENT_SECRET = 's3cret';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (chunk) => (raw += chunk));
      req.on('end', () => this.handle(req, res, raw));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** The next ledger call (not the token endpoint) answers this status and body. */
  failNext(status: number, body?: unknown): void {
    this.failures.push({ status, body });
  }

  private handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const path = req.url ?? '';
    if (path === '/oauth/token') {
      const form = new URLSearchParams(raw);
      if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== FakeLedger.CLIENT_ID || form.get('client_secret') !== FakeLedger.CLIENT_SECRET) {
        return send(401, { error: 'invalid_client' });
      }
      this.tokensIssued += 1;
      return send(200, { access_token: `token-${this.tokensIssued}`, token_type: 'Bearer', expires_in: 3600 });
    }
    const key = req.headers['idempotency-key'] as string | undefined;
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    this.requests.push({ path, key, auth: req.headers.authorization, body, raw });
    if (req.headers.authorization !== `Bearer token-${this.tokensIssued}`) return send(401, { errorCode: 'AUTHENTICATION', errorMessage: 'unauthorized' });
    const failure = this.failures.shift();
    if (failure) return send(failure.status, failure.body);
    if (key && this.byKey.has(key)) {
      const replay = this.byKey.get(key)!;
      return send(replay.status, replay.body);
    }
    const tx = /^\/v2\/([^/]+)\/transactions$/.exec(path);
    const meta = /^\/v2\/([^/]+)\/accounts\/([^/]+)\/metadata$/.exec(path);
    let answer: { status: number; body?: unknown };
    if (tx && req.method === 'POST') {
      const id = this.transactions.length;
      const request = body as Record<string, unknown>;
      this.transactions.push({ ledger: decodeURIComponent(tx[1]), id, body: request });
      const data = {
        id,
        postings: request.postings ?? [],
        metadata: request.metadata ?? {},
        timestamp: request.timestamp ?? new Date().toISOString(),
        reverted: false,
        insertedAt: new Date().toISOString(),
      };
      answer = { status: 200, body: { data } };
    } else if (meta && req.method === 'POST') {
      const address = `${decodeURIComponent(meta[1])}/${decodeURIComponent(meta[2])}`;
      this.metadata.set(address, { ...this.metadata.get(address), ...(body as Record<string, string>) });
      answer = { status: 204 };
    } else answer = { status: 404, body: { errorCode: 'NOT_FOUND', errorMessage: 'no route' } };
    if (key) this.byKey.set(key, { status: answer.status, body: answer.body });
    send(answer.status, answer.body);
  }
}
