import { isUuid, keysetKeySchema, UUID_PATTERN } from './index';

describe('isUuid', () => {
  it('accepts the canonical 8-4-4-4-12 hex form, in any case and any version', () => {
    expect(isUuid('8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f11')).toBe(true);
    expect(isUuid('8D1F4F7E-0B7A-4C55-9A53-2F1F1D2F8F11')).toBe(true);
    expect(isUuid('00000000-0000-0000-0000-000000000000')).toBe(true);
  });

  it('refuses anything else', () => {
    for (const value of [
      '',
      'not-a-uuid',
      '8d1f4f7e0b7a4c559a532f1f1d2f8f11',
      '{8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f11}',
      ' 8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f11',
      '8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f11\n',
      '8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f1g',
      '8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f111',
    ]) {
      expect(isUuid(value)).toBe(false);
    }
  });

  it('is stateless (the pattern has no global flag) and is what keyset keys require', () => {
    expect(UUID_PATTERN.global).toBe(false);
    expect(isUuid('8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f11')).toBe(true);
    expect(isUuid('8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f11')).toBe(true);
    const date = '2026-01-01T00:00:00.000Z';
    expect(keysetKeySchema.safeParse({ createdAt: date, id: '8d1f4f7e-0b7a-4c55-9a53-2f1f1d2f8f11' }).success).toBe(true);
    expect(keysetKeySchema.safeParse({ createdAt: date, id: 'nope' }).error?.issues[0].message).toBe('must be a UUID');
  });
});
