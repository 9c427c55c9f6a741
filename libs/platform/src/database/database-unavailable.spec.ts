import { isDatabaseUnavailable } from './database-unavailable';

describe('isDatabaseUnavailable', () => {
  it.each([
    [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    [Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    [Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    [new Error('Connection terminated unexpectedly')],
    [Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) })],
    [new Error('timeout exceeded when trying to connect')],
    [Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
  ])('recognises %s', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    [Object.assign(new Error('duplicate key value'), { code: '23505' })],
    [Object.assign(new Error('could not obtain lock'), { code: '55P03' })],
    [new Error('boom')],
    [Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' })],
    [new TypeError('Do not know how to serialize a BigInt')],
    ['ECONNREFUSED'],
    [undefined],
  ])('leaves %s to the caller', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
