import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';

export const SCOPES = ['orchestration:read', 'orchestration:write'] as const;
const ISSUER = 'wfp-gateway';

/** jose is ESM-only: loaded on first use so CommonJS test runners can import this file. */
let joseModule: Promise<typeof import('jose')> | undefined;
function jose(): Promise<typeof import('jose')> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  joseModule ??= Promise.resolve(require('jose') as typeof import('jose'));
  return joseModule;
}

/** Verified tokens remembered at most (oldest dropped first). */
const VERIFIED_TOKENS_LIMIT = 10_000;

/** OAuth2 client-credentials clients from configuration, and HS256 JWTs they get. */
@Injectable()
export class FormanceAuthService implements OnModuleInit {
  readonly clients: Map<string, string>;
  private readonly key: Uint8Array;
  private readonly verified = new Map<string, { scopes: string[]; expiresAtMs: number }>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly logger: PinoLogger,
  ) {
    this.clients = new Map(
      (config.FORMANCE_AUTH_CLIENTS ?? '')
        .split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)] as [string, string]),
    );
    this.key = new TextEncoder().encode(config.FORMANCE_AUTH_SIGNING_SECRET ?? randomBytes(32).toString('hex'));
  }

  get enabled(): boolean {
    return this.clients.size > 0;
  }

  onModuleInit(): void {
    if (!this.enabled) {
      this.logger.warn('auth is disabled on /api/orchestration and /api/events: set FORMANCE_AUTH_CLIENTS to enable it');
    }
  }

  /** Checks client credentials; returns the granted scopes or undefined. */
  authenticate(clientId: string, clientSecret: string, requested: string | undefined): string[] | undefined {
    const expected = this.clients.get(clientId);
    if (expected === undefined) return undefined;
    const a = Buffer.from(expected);
    const b = Buffer.from(clientSecret);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
    const wanted = (requested ?? '').split(/\s+/).filter(Boolean);
    return wanted.length === 0 ? [...SCOPES] : wanted.filter((scope) => (SCOPES as readonly string[]).includes(scope));
  }

  async issue(clientId: string, scopes: string[]): Promise<{ token: string; expiresIn: number }> {
    const expiresIn = this.config.FORMANCE_AUTH_TOKEN_TTL_SECONDS;
    const { SignJWT } = await jose();
    const token = await new SignJWT({ scope: scopes.join(' ') })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setSubject(clientId)
      .setIssuedAt()
      .setExpirationTime(`${expiresIn}s`)
      .sign(this.key);
    return { token, expiresIn };
  }

  /**
   * The scopes of a valid token, or undefined. A verified token is remembered until it expires
   * (a token is immutable and signed: checking its signature again on every request of a client
   * re-derives the same answer), in a bounded map.
   */
  async verify(token: string): Promise<string[] | undefined> {
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.scopes;
    if (known) this.verified.delete(token);
    const { jwtVerify } = await jose();
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
      if (typeof payload.exp === 'number') {
        if (this.verified.size >= VERIFIED_TOKENS_LIMIT) this.verified.delete(this.verified.keys().next().value as string);
        this.verified.set(token, { scopes, expiresAtMs: payload.exp * 1000 });
      }
      return scopes;
    } catch {
      return undefined;
    }
  }
}
