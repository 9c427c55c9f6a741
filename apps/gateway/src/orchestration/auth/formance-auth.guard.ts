import { CanActivate, ExecutionContext, Injectable, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiError } from '../../http/api-error';
import { FormanceAuthService } from './formance-auth.service';
import { FORMANCE_AUTH } from './formance-auth.decorator';

const PROTECTED = ['/api/orchestration', '/api/events'];
const OPEN = new Set(['/api/orchestration/_info', '/api/orchestration/v2/_info']);
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether a path is protected by Formance auth (every /api/orchestration and /api/events route but _info). */
export function isProtectedPath(path: string): boolean {
  const normalised = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (OPEN.has(normalised)) return false;
  return PROTECTED.some((prefix) => normalised === prefix || normalised.startsWith(`${prefix}/`));
}

/**
 * Global, path-based guard (as Formance): with auth on, a Bearer JWT with `orchestration:read`
 * (read methods) or `orchestration:write` (others); 401 otherwise. Routes added under these
 * prefixes by other modules inherit it, and every route of a controller marked `@FormanceAuth()`
 * is protected whatever its path.
 */
@Injectable()
export class FormanceAuthGuard implements CanActivate {
  constructor(
    private readonly auth: FormanceAuthService,
    @Optional() private readonly reflector?: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || !this.auth.enabled) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const marked = this.reflector?.getAllAndOverride<boolean>(FORMANCE_AUTH, [context.getHandler(), context.getClass()]) === true;
    if (!marked && !isProtectedPath(req.path)) return true;
    const res = context.switchToHttp().getResponse<Response>();
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return this.unauthorized(res, 'missing bearer token');
    const scopes = await this.auth.verify(match[1]);
    if (!scopes) return this.unauthorized(res, 'invalid or expired token');
    const allowed = READ_METHODS.has(req.method.toUpperCase())
      ? scopes.includes('orchestration:read') || scopes.includes('orchestration:write')
      : scopes.includes('orchestration:write');
    if (!allowed) return this.unauthorized(res, 'missing scope');
    return true;
  }

  /** 401 with an empty body, as Formance (the reason goes in WWW-Authenticate). */
  private unauthorized(res: Response, reason: string): never {
    res.setHeader('WWW-Authenticate', `Bearer error="invalid_token", error_description="${reason}"`);
    res.status(401).end();
    throw new ApiError(401, 'UNAUTHORIZED', reason);
  }
}
