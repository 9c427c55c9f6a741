import { SetMetadata } from '@nestjs/common';

export const FORMANCE_AUTH = 'wfp:formance-auth';

/**
 * Marks a controller as a Formance API (v1 or v2): FormanceAuthGuard then requires a Bearer token
 * with `orchestration:read` (read methods) or `orchestration:write` (others) on every route of
 * it, whatever the request path looks like — on top of its path-based protection.
 */
export const FormanceAuth = (): ClassDecorator & MethodDecorator => SetMetadata(FORMANCE_AUTH, true);
