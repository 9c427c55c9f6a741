import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FormanceAuthGuard } from './formance-auth.guard';
import { FormanceAuthService } from './formance-auth.service';
import { OAuthTokenController } from './oauth-token.controller';

/**
 * Formance-style OAuth2: the client-credentials token endpoint (`POST /api/auth/oauth/token`),
 * the token service, and the global guard that protects /api/orchestration, /api/events and any
 * `@FormanceAuth()` route (see `formance-auth.decorator.ts`). Imported by every module whose
 * routes it protects or that checks its tokens itself (orchestration, event ingest, console);
 * Nest makes one instance of it, so the guard is registered once.
 */
@Module({
  controllers: [OAuthTokenController],
  providers: [FormanceAuthService, { provide: APP_GUARD, useClass: FormanceAuthGuard }],
  exports: [FormanceAuthService],
})
export class FormanceAuthModule {}
