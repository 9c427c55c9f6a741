import { isConnectionError } from './engine-db';

describe('isConnectionError', () => {
  it('tells the database being unreachable from a statement refusing its data', () => {
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionError(Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' }))).toBe(false);
    expect(isConnectionError(Object.assign(new Error('refused by test'), { code: 'P0001' }))).toBe(false);
    expect(isConnectionError(new TypeError('Do not know how to serialize a BigInt'))).toBe(false);
  });
});
