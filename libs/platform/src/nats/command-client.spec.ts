import { isBusUnavailable } from './command-client';

describe('isBusUnavailable', () => {
  it('recognises a lost NATS connection (NestJS client while reconnecting, nats.js codes)', () => {
    expect(isBusUnavailable('Error: Connection lost. Trying to reconnect...')).toBe(true);
    expect(isBusUnavailable(Object.assign(new Error('closed'), { code: 'CONNECTION_CLOSED' }))).toBe(true);
    expect(isBusUnavailable(Object.assign(new Error('x'), { code: 'DISCONNECT' }))).toBe(true);
  });

  it('leaves other failures alone (they stay unexpected errors)', () => {
    expect(isBusUnavailable(new Error('boom'))).toBe(false);
    expect(isBusUnavailable({ status: 'error', message: 'Internal server error' })).toBe(false);
    expect(isBusUnavailable(undefined)).toBe(false);
    expect(isBusUnavailable('something else')).toBe(false);
  });
});
