/** What a request through {@link RoundRobinHttp} saw. */
export interface HttpErrorRecord {
  at: number;
  gateway: string;
  method: string;
  path: string;
  /** HTTP status, or the network error code (ECONNREFUSED, …). */
  error: string;
}

/**
 * A tiny HTTP client over several gateway replicas, as a load balancer would be: requests go
 * round-robin; a request that fails with a network error or a 502/503/504 is retried on the next
 * replica (then again after a short pause) until `deadlineMs`; a replica that refused a connection
 * is skipped for a second. Every failed attempt is recorded,
 * so a test can report what clients would have seen without the failover.
 */
export class RoundRobinHttp {
  private next = 0;
  /** Until when a replica that refused a connection is skipped (a load balancer's passive check). */
  private readonly downUntil = new Map<string, number>();
  readonly errors: HttpErrorRecord[] = [];
  requests = 0;
  /** Requests that needed more than one attempt. */
  retried = 0;
  /** Requests that failed after every attempt. */
  failed = 0;

  constructor(
    private readonly baseUrls: string[],
    private readonly headers: () => Record<string, string> = () => ({}),
  ) {}

  async request(method: string, path: string, body?: unknown, deadlineMs = 30_000): Promise<{ status: number; body: unknown }> {
    this.requests++;
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const base = this.pick();
      let error: string;
      try {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...this.headers() },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        if (![502, 503, 504].includes(res.status)) {
          if (attempt > 0) this.retried++;
          return { status: res.status, body: text ? safeJson(text) : undefined };
        }
        error = String(res.status);
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause;
        error = cause?.code ?? (e as Error).name ?? 'error';
        this.downUntil.set(base, Date.now() + 1000);
      }
      this.errors.push({ at: Date.now(), gateway: base, method, path: path.replace(/[0-9a-f-]{36}/g, ':id'), error });
      if (Date.now() - started > deadlineMs) {
        this.failed++;
        throw new Error(`${method} ${path}: no gateway answered within ${deadlineMs} ms (last: ${error})`);
      }
      // Straight to the next replica first; pause once every replica was tried.
      if ((attempt + 1) % this.baseUrls.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The next replica round-robin, skipping those marked down (unless all are). */
  private pick(): string {
    for (let i = 0; i < this.baseUrls.length; i++) {
      const base = this.baseUrls[this.next++ % this.baseUrls.length];
      if ((this.downUntil.get(base) ?? 0) <= Date.now()) return base;
    }
    return this.baseUrls[this.next++ % this.baseUrls.length];
  }

  /** Errors counted by kind, e.g. { 'ECONNREFUSED': 12, '503': 3 }. */
  errorSummary(): Record<string, number> {
    const summary: Record<string, number> = {};
    for (const e of this.errors) summary[e.error] = (summary[e.error] ?? 0) + 1;
    return summary;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
