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

describe('gateway configuration and secrets', () => {
  const messageOf = (env: Record<string, string>) => {
    try {
      loadGatewayConfig(env);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected a configuration error');
  };

  it('names the variable and the rule of a bad secret, never its value', () => {
    const secrets = {
      FORMANCE_AUTH_SIGNING_SECRET: 'too-short-signing-secret',
      FORMANCE_AUTH_CLIENTS: 'client-without-colon-secret',
      SOLVIMON_API_KEYS: '[{"key":"sk_live_leaky_value","permissions":["NOPE"]}]',
    };
    const message = messageOf(secrets);
    expect(message).toContain('FORMANCE_AUTH_SIGNING_SECRET: must be at least 32 characters');
    expect(message).toContain('FORMANCE_AUTH_CLIENTS: must be a comma-separated list of client_id:client_secret');
    expect(message).toContain('SOLVIMON_API_KEYS: 0.permissions.0');
    for (const value of [...Object.values(secrets), 'sk_live_leaky_value', 'client-without-colon']) expect(message).not.toContain(value);
    expect(messageOf({ SOLVIMON_API_KEYS: 'sk_live_not_json' })).not.toContain('sk_live_not_json');
  });
});
