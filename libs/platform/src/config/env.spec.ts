import { z } from 'zod';
import { commonEnvShape, ConfigError, intFromEnv, natsServers, parseEnv } from './env';

const schema = z.object({ ...commonEnvShape, PORT: intFromEnv(0, 65535).default(8080) });

describe('parseEnv', () => {
  it('applies local defaults', () => {
    expect(parseEnv(schema, {})).toEqual({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/workflow_platform',
      NATS_URL: 'nats://127.0.0.1:4222',
      NATS_NAMESPACE: 'wfp',
      LOG_LEVEL: 'info',
      PORT: 8080,
    });
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
