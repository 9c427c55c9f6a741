import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { SolvimonAuth } from './solvimon-auth';
import { SOLVIMON_PATH, solvimonRequestId } from './solvimon-error-renderer';
import { WorkflowTriggersController } from './workflow-triggers.controller';

/** Every Solvimon response carries `X-REQUEST-ID: reqr_…` (errors get it from the renderer). */
function solvimonRequestIdMiddleware(req: Request, _res: Response, next: NextFunction): void {
  if (SOLVIMON_PATH.test(req.path)) solvimonRequestId(req);
  next();
}

/** Solvimon Workflow Triggers under /v1/workflow-triggers. */
@Module({ controllers: [WorkflowTriggersController], providers: [SolvimonAuth] })
export class SolvimonModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(solvimonRequestIdMiddleware).forRoutes(WorkflowTriggersController);
  }
}
