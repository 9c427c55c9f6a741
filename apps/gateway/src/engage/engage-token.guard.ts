import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { engageParams, engageToken } from './engage-params';

/**
 * Bound to the Engage controller: no handler runs without an access token (a single string, from
 * `access_token` or `Authorization: Bearer`); 403 `invalid_access_token` otherwise. The
 * interventions service then checks the token itself and the agent's permissions.
 */
@Injectable()
export class EngageTokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    engageToken(req, engageParams(req));
    return true;
  }
}
