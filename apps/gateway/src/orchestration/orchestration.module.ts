import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { InfoController } from './info.controller';
import { FormanceTriggersModule } from './triggers/formance-triggers.module';
import { WorkflowsController } from './workflows.controller';
import { InstancesController } from './instances.controller';
import { FormanceAuthGuard } from './auth/formance-auth.guard';
import { FormanceAuthService } from './auth/formance-auth.service';
import { OAuthTokenController } from './auth/oauth-token.controller';

/** Formance Orchestration v1 under /api/orchestration (and its OAuth2 token endpoint). */
@Module({
  imports: [FormanceTriggersModule],
  controllers: [InfoController, WorkflowsController, InstancesController, OAuthTokenController],
  providers: [FormanceAuthService, { provide: APP_GUARD, useClass: FormanceAuthGuard }],
  exports: [FormanceAuthService],
})
export class OrchestrationModule {}
