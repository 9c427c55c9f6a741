import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/** The request id pino-http assigned (the caller's `x-request-id`, or a new one). */
export const RequestId = createParamDecorator((_: unknown, ctx: ExecutionContext): string | undefined => {
  const req = ctx.switchToHttp().getRequest<{ id?: string | number }>();
  return req.id === undefined ? undefined : String(req.id);
});
