import { loadTriggersConfig } from './config';

describe('triggers configuration', () => {
  const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', NATS_URL: 'nats://127.0.0.1:4222' };

  it('defaults: 4 batches of up to 100 events at once, 10 connections', () => {
    const config = loadTriggersConfig(base);
    expect(config.TRIGGERS_CONSUMER_CONCURRENCY).toBe(4);
    expect(config.TRIGGERS_CONSUMER_BATCH_SIZE).toBe(100);
    expect(config.TRIGGERS_DB_POOL_SIZE).toBe(10);
  });

  it('refuses a pool no larger than the consumer concurrency', () => {
    expect(() => loadTriggersConfig({ ...base, TRIGGERS_CONSUMER_CONCURRENCY: '16' })).toThrow(
      /TRIGGERS_DB_POOL_SIZE: must be greater than TRIGGERS_CONSUMER_CONCURRENCY \(16\)/,
    );
    expect(loadTriggersConfig({ ...base, TRIGGERS_CONSUMER_CONCURRENCY: '16', TRIGGERS_DB_POOL_SIZE: '20' }).TRIGGERS_DB_POOL_SIZE).toBe(20);
  });
});
