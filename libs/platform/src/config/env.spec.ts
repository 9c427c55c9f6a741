import { z } from 'zod';
import { commonEnvShape, ConfigError, intFromEnv, isSecretVariable, natsServers, parseEnv } from './env';

const schema = z.object({ ...commonEnvShape, PORT: intFromEnv(0, 65535).default(8080) });

describe('parseEnv', () => {
  it('applies local defaults', () => {
    expect(parseEnv(schema, {})).toEqual({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/workflow_platform',
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_NAMESPACE: 'wfp',
      NATS_STREAM_REPLICAS: 1,
      LOG_LEVEL: 'info',
      PORT: 8080,
    });
  });

  it('takes the replica count of streams, 1 to 5', () => {
    expect(parseEnv(schema, { NATS_STREAM_REPLICAS: '3' }).NATS_STREAM_REPLICAS).toBe(3);
    expect(() => parseEnv(schema, { NATS_STREAM_REPLICAS: '0' })).toThrow('NATS_STREAM_REPLICAS: must be at least 1');
    expect(() => parseEnv(schema, { NATS_STREAM_REPLICAS: '7' })).toThrow('NATS_STREAM_REPLICAS');
  });

  it('treats an empty variable as unset', () => {
    expect(parseEnv(schema, { PORT: '' }).PORT).toBe(8080);
  });

  it('names every bad variable, with what was wrong and the value given', () => {
    let error: unknown;
    try {
      parseEnv(schema, { PORT: '99999', DATABASE_URL: 'mysql://x', NATS_NAMESPACE: 'a.b' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('PORT: must be at most 65535 (got "99999")');
    expect(message).toContain('DATABASE_URL: must be a URL starting with postgres:// or postgresql:// (got "mysql://x")');
    expect(message).toContain('NATS_NAMESPACE');
  });

  it('accepts a list of NATS servers', () => {
    const config = parseEnv(schema, { NATS_URL: 'nats://a:4222, nats://b:4222' });
    expect(natsServers(config.NATS_URL)).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(() => parseEnv(schema, { NATS_URL: 'http://a' })).toThrow('NATS_URL');
  });
});

describe('parseEnv and secrets', () => {
  const secretSchema = z.object({
    ...commonEnvShape,
    FORMANCE_AUTH_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    FORMANCE_AUTH_CLIENTS: z.string().regex(/^[^:]+:.+$/, 'must be a comma-separated list of client_id:client_secret').optional(),
    SOLVIMON_API_KEYS: z.string().refine((v) => v.startsWith('['), 'must be a JSON array').optional(),
    SOME_API_KEY: z.string().min(40, 'too short').optional(),
  });
  const messageOf = (env: Record<string, string>) => {
    try {
      parseEnv(secretSchema, env);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('names the variable and the rule, never the value of a secret', () => {
    const env = {
      FORMANCE_AUTH_SIGNING_SECRET: 'hunter2-signing',
      FORMANCE_AUTH_CLIENTS: 'nocolon-client-secret-value',
      SOLVIMON_API_KEYS: 'sk_live_leaky',
      SOME_API_KEY: 'short-key-value',
    };
    const message = messageOf(env);
    expect(message).toContain('FORMANCE_AUTH_SIGNING_SECRET: must be at least 32 characters');
    expect(message).toContain('FORMANCE_AUTH_CLIENTS: must be a comma-separated list of client_id:client_secret');
    expect(message).toContain('SOLVIMON_API_KEYS: must be a JSON array');
    expect(message).toContain('SOME_API_KEY: too short');
    for (const value of Object.values(env)) expect(message).not.toContain(value);
    expect(message).not.toContain('got');
  });

  it('masks the credentials of URLs it quotes', () => {
    const message = messageOf({ DATABASE_URL: 'mysql://admin:pa55word@db:3306/x', NATS_URL: 'http://u:natspass@a' });
    expect(message).not.toContain('pa55word');
    expect(message).not.toContain('natspass');
    expect(message).toContain('(got "mysql://***@db:3306/x")');
  });

  it('recognises secret-like names', () => {
    for (const name of ['FORMANCE_AUTH_SIGNING_SECRET', 'FORMANCE_AUTH_CLIENTS', 'SOLVIMON_API_KEYS', 'DB_PASSWORD', 'GITHUB_TOKEN']) {
      expect(isSecretVariable(name)).toBe(true);
    }
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'NATS_NAMESPACE']) expect(isSecretVariable(name)).toBe(false);
  });
});
