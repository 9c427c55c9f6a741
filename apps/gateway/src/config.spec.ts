import { loadGatewayConfig } from './config';

describe('gateway configuration', () => {
  it('defaults to port 8080 and a 5 s command timeout', () => {
    const config = loadGatewayConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.REQUEST_TIMEOUT_MS).toBe(5000);
    expect(config.BODY_LIMIT_BYTES).toBe(1024 * 1024);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadGatewayConfig({ REQUEST_TIMEOUT_MS: '10' })).toThrow('REQUEST_TIMEOUT_MS: must be at least 100');
    expect(() => loadGatewayConfig({ PORT: 'http' })).toThrow(/PORT: /);
  });
});
