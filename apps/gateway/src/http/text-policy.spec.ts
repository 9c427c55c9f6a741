import { findPathViolation, findTextViolation, TEXT_POLICY, textPolicyError } from './text-policy';

describe('text policy', () => {
  it('accepts ordinary text, emoji and moderate nesting', () => {
    expect(findTextViolation({ name: 'café 🚀', stages: [{ send: { amount: { amount: 1 } } }] }, 'body')).toBeUndefined();
    expect(findPathViolation('/api/orchestration/workflows/%F0%9F%9A%80')).toBeUndefined();
  });

  it('rejects NUL in values and keys, naming the field', () => {
    expect(findTextViolation({ stages: [{ name: 'a\u0000b' }] }, 'body')).toEqual({
      field: 'body.stages.0.name',
      rule: expect.stringContaining('NUL'),
    });
    expect(findTextViolation({ 'k\u0000': 'v' }, 'query')?.rule).toContain('key');
    expect(findPathViolation('/v1/workflow-triggers/%00')?.rule).toContain('NUL');
  });

  it('rejects lone surrogates but accepts pairs', () => {
    expect(findTextViolation({ customer_id: '\ud800' }, 'body')?.field).toBe('body.customer_id');
    expect(findTextViolation({ x: '\udc00a' }, 'body')).toBeDefined();
    expect(findTextViolation({ x: '\ud83d\ude80' }, 'body')).toBeUndefined();
    expect(findPathViolation('/x/%ED%A0%80')?.rule).toContain('UTF-8');
  });

  it('caps depth without recursion (100,000 levels) and string length', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(findTextViolation(deep, 'body')?.rule).toContain(`deeper than ${TEXT_POLICY.maxDepth}`);
    const objects = JSON.parse('{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000));
    expect(findTextViolation(objects, 'body')).toBeDefined();
    expect(findTextViolation({ a: 'x'.repeat(TEXT_POLICY.maxStringLength + 1) }, 'body')?.rule).toContain('longer');
  });

  it('renders as a 400 with the field for each API', () => {
    const error = textPolicyError({ field: 'body.customer_id', rule: 'contains a NUL character' });
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION', details: { field: 'customer_id', solvimonCode: 'INVALID_FIELD' } });
    expect(error.message).toBe('invalid input: body.customer_id contains a NUL character');
  });
});
