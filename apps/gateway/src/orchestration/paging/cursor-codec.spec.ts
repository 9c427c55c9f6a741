import { CursorCodec, CursorState } from './cursor-codec';

describe('v2 list cursor codec', () => {
  const codec = new CursorCodec(Buffer.from('k'.repeat(32)));
  const state: CursorState = {
    l: 'workflows',
    p: {},
    f: {},
    s: 7,
    a: { createdAt: '2026-11-30T10:00:00.123Z', id: '0b7f5a8e-2c51-4d1e-9a8b-3f4c5d6e7f80' },
  };

  it('round-trips a state and refuses anything it did not sign', () => {
    const cursor = codec.encode(state);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor)).toEqual(state);
    const [body, signature] = cursor.split('.');
    const forged = Buffer.from(JSON.stringify({ ...state, s: 1000 })).toString('base64url');
    for (const bad of [
      `${forged}.${signature}`,
      `${body}.${signature.slice(0, -2)}`,
      body,
      `${body}.${signature}.x`,
      '',
      'not base64!.x',
      new CursorCodec(Buffer.from('o'.repeat(32))).encode(state),
      'x'.repeat(10_000),
    ]) {
      expect(codec.decode(bad)).toBeUndefined();
    }
  });

  it('refuses a signed state of the wrong shape', () => {
    const wrong = codec.encode({ ...state, s: 0 } as CursorState);
    expect(codec.decode(wrong)).toBeUndefined();
  });
});
