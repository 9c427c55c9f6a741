import { Controller, Get, Post, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FormanceAuthGuard } from './formance-auth.guard';
import { FormanceAuth, FormancePublic, isUnderProtectedPrefix, requiresFormanceAuth } from './formance-auth.decorator';
import { FormanceAuthService } from './formance-auth.service';
import { loadGatewayConfig } from '../config';

describe('Formance auth guard', () => {
  @Controller('api/events')
  class Events {
    @Post() publish() {}
  }
  @Controller('API/Orchestration/v2/workflows')
  class V2 {
    @Get(':id') get() {}
  }
  @FormancePublic()
  @Controller('api/orchestration')
  class Info {
    @Get(['_info', 'v2/_info']) info() {}
  }
  @FormanceAuth()
  @Controller('console-api')
  class Elsewhere {
    @Get() list() {}
    @FormancePublic() @Get('open') open() {}
  }
  @Controller()
  class Health {
    @Get('healthz') healthz() {}
    @Get('api/orchestration/x') hidden() {}
  }
  const reflector = new Reflector();
  const needs = (cls: { prototype: object }, method: string) =>
    requiresFormanceAuth(reflector, cls, (cls.prototype as Record<string, object>)[method]);

  it('decides from the matched route: declared under /api/orchestration or /api/events (deny by default), @FormanceAuth, @FormancePublic', () => {
    expect(needs(Events, 'publish')).toBe(true);
    expect(needs(V2, 'get')).toBe(true);
    expect(needs(Health, 'hidden')).toBe(true);
    expect(needs(Elsewhere, 'list')).toBe(true);
    expect(needs(Info, 'info')).toBe(false);
    expect(needs(Elsewhere, 'open')).toBe(false);
    expect(needs(Health, 'healthz')).toBe(false);
    expect(isUnderProtectedPrefix('/api/eventsx')).toBe(false);
    expect(isUnderProtectedPrefix('api/events/')).toBe(true);
  });

  const logger = { warn: jest.fn() } as never;
  const config = loadGatewayConfig({ FORMANCE_AUTH_CLIENTS: 'a:secret-a', FORMANCE_AUTH_SIGNING_SECRET: 'x'.repeat(32) });
  const context = (method: string, path: string, authorization?: string) => {
    const res = { setHeader: jest.fn(), status: jest.fn().mockReturnThis(), end: jest.fn() };
    return {
      res,
      ctx: {
        getType: () => 'http',
        getClass: () => Events,
        getHandler: () => Events.prototype.publish,
        switchToHttp: () => ({ getRequest: () => ({ method, path, headers: { authorization } }), getResponse: () => res }),
      } as unknown as ExecutionContext,
    };
  };

  it('needs orchestration:write for writes and read or write for reads on /api/events too', async () => {
    const auth = new FormanceAuthService(config, logger);
    // Token signing and verification run for real in the e2e tests (jose is ESM-only).
    jest.spyOn(auth, 'verify').mockImplementation(async (token) => (token === 'r' ? ['orchestration:read'] : token === 'w' ? ['orchestration:write'] : undefined));
    const guard = new FormanceAuthGuard(auth, reflector);
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
    await expect(new FormanceAuthGuard(auth, reflector).canActivate(context('POST', '/api/events').ctx)).resolves.toBe(true);
  });
});
