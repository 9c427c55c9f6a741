import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { catchError, from, mergeMap, Observable, throwError } from 'rxjs';
import { interventionListSchema, INTERVENTIONS_COMMANDS } from '@wfp/contracts';
import { GatewayCommandClient } from '../commands/commands.module';
import { callService } from '../commands/call-service';
import { ApiError } from '../http/api-error';
import { engageParams, engageToken } from './engage-params';

/**
 * Engage authenticates before it validates: when a handler rejects its parameters (422/400)
 * before the interventions service saw the token, the token is checked first (one `list` of
 * limit 1), so a bad token answers 403 `invalid_access_token` rather than revealing which
 * parameters are wrong. Valid tokens get the parameter error unchanged.
 */
@Injectable()
export class EngageAuthFirstInterceptor implements NestInterceptor {
  constructor(private readonly commands: GatewayCommandClient) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (!(error instanceof ApiError) || ![400, 422].includes(error.status)) {
          return throwError(() => error);
        }
        const token = engageToken(req, engageParams(req));
        return from(callService(this.commands, INTERVENTIONS_COMMANDS.list, { token, limit: 1 }, interventionListSchema)).pipe(
          mergeMap(() => throwError(() => error)),
        );
      }),
    );
  }
}
