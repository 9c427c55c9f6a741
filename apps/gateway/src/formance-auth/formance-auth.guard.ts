import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ApiError } from '../http/api-error';
import { requiresFormanceAuth } from './formance-auth.decorator';
import { FormanceAuthService } from './formance-auth.service';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * Global guard (as Formance): with auth on, a route that `requiresFormanceAuth` (every route
 * declared under /api/orchestration and /api/events but `@FormancePublic()` ones, and any
 * `@FormanceAuth()` controller) needs a Bearer JWT with `orchestration:read` (read methods) or
 * `orchestration:write` (others); 401 otherwise. The decision reads the matched route's metadata,
 * not the request path, so no spelling of a path (case, encoding, slashes) can skip it.
 */
@Injectable()
export class FormanceAuthGuard implements CanActivate {
  constructor(
    private readonly auth: FormanceAuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http' || !this.auth.enabled) return true;
    if (!requiresFormanceAuth(this.reflector, context.getClass(), context.getHandler())) return true;
    const req = context.switchToHttp().getRequest<Request>();
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
