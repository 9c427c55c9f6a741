import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { SolvimonAuth, SolvimonPermission } from './solvimon-auth';
import { solvimonRequestId } from './solvimon-error-renderer';
import { solvimonError } from './solvimon-requests';

const SOLVIMON_PERMISSION = 'wfp:solvimon-permission';
const PLATFORM_OF_REQUEST = Symbol('solvimonPlatform');

/** The permission a Solvimon handler needs; a handler without one is refused (deny by default). */
export const SolvimonPermissionRequired = (permission: SolvimonPermission): MethodDecorator => SetMetadata(SOLVIMON_PERMISSION, permission);

/**
 * Bound to the Solvimon controller: before any handler runs, the request gets its X-REQUEST-ID,
 * a path whose version segment does not start with `v` is a 404, and the API key must carry the
 * handler's `@SolvimonPermissionRequired(...)` permission (401 / 403 / 404 PLATFORM_NOT_FOUND).
 */
@Injectable()
export class SolvimonAuthGuard implements CanActivate {
  constructor(
    private readonly auth: SolvimonAuth,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    solvimonRequestId(req);
    const version = typeof req.params?.version === 'string' ? req.params.version : '';
    if (!version.startsWith('v')) throw solvimonError(404, 'RESOURCE_NOT_FOUND', `Cannot ${req.method} ${req.path.slice(0, 200)}`);
    const permission = this.reflector.get<SolvimonPermission | undefined>(SOLVIMON_PERMISSION, context.getHandler());
    if (!permission) throw solvimonError(403, 'USER_NOT_ALLOWED', 'this operation is not open to API keys');
    (req as Request & { [PLATFORM_OF_REQUEST]?: string })[PLATFORM_OF_REQUEST] = this.auth.authorize(req, permission);
    return true;
  }
}

/** The platform the guard authorised the request for. */
export function authorisedPlatform(req: Request): string {
  const platform = (req as Request & { [PLATFORM_OF_REQUEST]?: string })[PLATFORM_OF_REQUEST];
  if (platform === undefined) throw solvimonError(401, 'UNAUTHORISED', 'missing API key: send X-API-KEY or Authorization: Bearer');
  return platform;
}
