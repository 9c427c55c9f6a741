import type { ExecutionContext } from '@nestjs/common';
import { FormanceAuthGuard, isProtectedPath } from './formance-auth.guard';
import { FormanceAuthService } from './formance-auth.service';
import { loadGatewayConfig } from '../../config';

describe('Formance auth guard', () => {
  it('protects /api/orchestration and /api/events (routes of any module), not _info nor other APIs', () => {
    for (const path of ['/api/orchestration/workflows', '/api/orchestration/triggers/x', '/api/events', '/api/events/', '/api/orchestration/v2/workflows']) {
      expect(isProtectedPath(path)).toBe(true);
    }
    for (const path of ['/api/orchestration/_info', '/api/orchestration/v2/_info', '/api/orchestration/_info/', '/api/eventsx', '/readyz', '/api/auth/oauth/token']) {
      expect(isProtectedPath(path)).toBe(false);
    }
  });

  const logger = { warn: jest.fn() } as never;
  const config = loadGatewayConfig({ FORMANCE_AUTH_CLIENTS: 'a:secret-a', FORMANCE_AUTH_SIGNING_SECRET: 'x'.repeat(32) });
  const context = (method: string, path: string, authorization?: string) => {
    const res = { setHeader: jest.fn(), status: jest.fn().mockReturnThis(), end: jest.fn() };
    return {
      res,
      ctx: {
        getType: () => 'http',
        switchToHttp: () => ({ getRequest: () => ({ method, path, headers: { authorization } }), getResponse: () => res }),
      } as unknown as ExecutionContext,
    };
  };

  it('needs orchestration:write for writes and read or write for reads on /api/events too', async () => {
    const auth = new FormanceAuthService(config, logger);
    // Token signing and verification run for real in the e2e tests (jose is ESM-only).
    jest.spyOn(auth, 'verify').mockImplementation(async (token) => (token === 'r' ? ['orchestration:read'] : token === 'w' ? ['orchestration:write'] : undefined));
    const guard = new FormanceAuthGuard(auth);
    const read = 'r';
    const write = 'w';
    await expect(guard.canActivate(context('GET', '/api/events', `Bearer ${read}`).ctx)).resolves.toBe(true);
    await expect(guard.canActivate(context('POST', '/api/events', `Bearer ${write}`).ctx)).resolves.toBe(true);
    const denied = context('POST', '/api/events', `Bearer ${read}`);
    await expect(guard.canActivate(denied.ctx)).rejects.toMatchObject({ status: 401 });
    expect(denied.res.status).toHaveBeenCalledWith(401);
    await expect(guard.canActivate(context('POST', '/api/events').ctx)).rejects.toMatchObject({ status: 401 });
    expect(auth.authenticate('a', 'wrong', undefined)).toBeUndefined();
    expect(auth.authenticate('a', 'secret-a', 'orchestration:read ledger:write')).toEqual(['orchestration:read']);
  });

  it('lets everything through when no client is configured', async () => {
    const auth = new FormanceAuthService(loadGatewayConfig({}), logger);
    expect(auth.enabled).toBe(false);
    await expect(new FormanceAuthGuard(auth).canActivate(context('POST', '/api/events').ctx)).resolves.toBe(true);
  });
});
