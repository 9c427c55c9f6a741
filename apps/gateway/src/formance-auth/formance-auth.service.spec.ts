import { loadGatewayConfig } from '../config';
import { FormanceAuthService } from './formance-auth.service';

describe('Formance auth tokens', () => {
  const logger = { warn: jest.fn() } as never;
  const config = loadGatewayConfig({
    FORMANCE_AUTH_CLIENTS: 'a:secret-a',
    FORMANCE_AUTH_SIGNING_SECRET: 'x'.repeat(32),
    FORMANCE_AUTH_TOKEN_TTL_SECONDS: '60',
  });

  afterEach(() => jest.useRealTimers());

  it('remembers a verified token until it expires, never after', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: new Date('2026-01-01T00:00:00Z') });
    const auth = new FormanceAuthService(config, logger);
    const { token } = await auth.issue('a', ['orchestration:read']);
    expect(await auth.verify(token)).toEqual(['orchestration:read']);
    expect(await auth.verify(token)).toEqual(['orchestration:read']);
    expect(await auth.verify(`${token}x`)).toBeUndefined();
    jest.setSystemTime(new Date('2026-01-01T00:01:01Z'));
    expect(await auth.verify(token)).toBeUndefined();
    // A service with another signing secret does not accept it either.
    const other = new FormanceAuthService(loadGatewayConfig({ FORMANCE_AUTH_CLIENTS: 'a:secret-a', FORMANCE_AUTH_SIGNING_SECRET: 'y'.repeat(32) }), logger);
    jest.setSystemTime(new Date('2026-01-01T00:00:10Z'));
    expect(await other.verify(token)).toBeUndefined();
  });
});
