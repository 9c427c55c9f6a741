import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { GATEWAY_CONFIG, GatewayConfig } from '../config';
import type { SolvimonApiKey } from './solvimon-config';
import { solvimonError } from './solvimon-requests';

export type SolvimonPermission = SolvimonApiKey['permissions'][number];

/** The platform records are scoped to without `x-platform-id` (and for keys without platforms). */
export const DEFAULT_PLATFORM = '';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Solvimon authentication: `X-API-KEY: <key>` or `Authorization: Bearer <key>`, keys from
 * `SOLVIMON_API_KEYS` with their permissions and platforms. 401 UNAUTHORISED, 403 USER_NOT_ALLOWED,
 * 404 PLATFORM_NOT_FOUND for an `x-platform-id` the key may not use.
 */
@Injectable()
export class SolvimonAuth {
  private readonly keys: Array<SolvimonApiKey & { digest: Buffer }>;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.keys = (config.SOLVIMON_API_KEYS ?? []).map((key) => ({ ...key, digest: digest(key.key) }));
  }

  /** The caller's platform once the key and permission are checked; throws the Solvimon error otherwise. */
  authorize(req: Request, permission: SolvimonPermission): string {
    const presented = this.presentedKey(req);
    if (!presented) throw solvimonError(401, 'UNAUTHORISED', 'missing API key: send X-API-KEY or Authorization: Bearer');
    const presentedDigest = digest(presented);
    const key = this.keys.find((k) => timingSafeEqual(k.digest, presentedDigest));
    if (!key) throw solvimonError(401, 'UNAUTHORISED', 'invalid API key');
    if (!key.permissions.includes(permission)) {
      throw solvimonError(403, 'USER_NOT_ALLOWED', `the API key lacks the ${permission} permission`);
    }
    const header = req.headers['x-platform-id'];
    const requested = Array.isArray(header) ? header[0] : header;
    if (requested !== undefined && requested !== '') {
      if (requested.length > 200 || (key.platforms && !key.platforms.includes(requested))) {
        throw solvimonError(404, 'PLATFORM_NOT_FOUND', `platform ${requested.slice(0, 200)} not found`, {
          resource_type: 'PLATFORM',
          resource_id: requested.slice(0, 200),
        });
      }
      return requested;
    }
    return key.platforms?.[0] ?? DEFAULT_PLATFORM;
  }

  private presentedKey(req: Request): string | undefined {
    const apiKey = req.headers['x-api-key'];
    const value = Array.isArray(apiKey) ? apiKey[0] : apiKey;
    if (value) return value;
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    return match?.[1];
  }
}
