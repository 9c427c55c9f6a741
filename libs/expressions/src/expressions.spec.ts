import { compile, evaluateCondition, ExpressionCompileError, evaluateFilter, evaluateVars, stringify } from './expressions';

describe('trigger expressions (CEL)', () => {
  const payment = {
    id: 'p1',
    type: 'PAY-IN',
    status: 'SUCCEEDED',
    amount: 1200000,
    rate: 1.5,
    tags: ['vip', 'eu'],
    rawData: { ref: 'xyz-42' },
    metadata: { 'com.example/key': 'v' },
  };

  it('compiles at create time: syntax errors throw, unknown identifiers pass (checked at run time)', () => {
    expect(() => compile('event.status ==')).toThrow(ExpressionCompileError);
    expect(() => compile('event.a &&& b')).toThrow(ExpressionCompileError);
    expect(() => compile('nobody.knows == 1')).not.toThrow();
    expect(() => compile('x'.repeat(5000))).toThrow(/longer than/);
  });

  it('evaluates conditions over any context (wait_for_event: {event, vars})', () => {
    const context = { event: { id: 'i1', status: 'closed' }, vars: { intervention_id: 'i1' } };
    expect(evaluateCondition('event.id == vars.intervention_id', context)).toEqual({ match: true });
    expect(evaluateCondition('event.id == vars.other', context)).toMatchObject({ match: false, error: expect.any(String) });
    expect(evaluateCondition('event.status', context)).toEqual({ match: false });
  });

  it('caches compiled programs', () => {
    expect(compile('event.status == "A"')).toBe(compile('event.status == "A"'));
  });

  it('keeps the Formance documentation examples working', () => {
    expect(evaluateFilter('event.status == "SUCCEEDED"', payment)).toEqual({ match: true });
    expect(evaluateFilter('event.type == "PAY-IN" && hasPrefix(event.rawData.ref, "xyz")', payment)).toEqual({ match: true });
    expect(evaluateFilter('hasSuffix(event.rawData.ref, "42") || false', payment)).toEqual({ match: true });
    expect(evaluateFilter('get(event.metadata, "com.example/key") == "v"', payment)).toEqual({ match: true });
    expect(evaluateFilter('get(event.metadata, "absent") == null', payment)).toEqual({ match: true });
    expect(evaluateFilter('"vip" in event.tags && !("us" in event.tags)', payment)).toEqual({ match: true });
    expect(evaluateFilter('event.status != "SUCCEEDED"', payment)).toEqual({ match: false });
    expect(evaluateFilter('event.amount > 1000000', payment)).toEqual({ match: true });
  });

  it('treats non-boolean results and errors as no match', () => {
    expect(evaluateFilter('event.status', payment)).toEqual({ match: false });
    expect(evaluateFilter('event.missing == "x"', payment)).toMatchObject({ match: false, error: expect.stringMatching(/No such key/) });
    expect(evaluateFilter('unknownVar == 1', payment)).toMatchObject({ match: false, error: expect.any(String) });
  });

  it('stringifies vars as upstream', () => {
    expect(
      evaluateVars(
        {
          id: 'event.id',
          amount: 'event.amount',
          rate: 'event.rate',
          lit: "'001'",
          concat: 'event.id + "-YYY"',
          flag: 'event.status == "SUCCEEDED"',
          missing: 'event.nope',
          deep: 'event.rawData.nope',
          int: '1 + 2',
        },
        payment,
      ),
    ).toEqual({
      id: 'p1',
      amount: '1200000',
      rate: '1.5',
      lit: '001',
      concat: 'p1-YYY',
      flag: 'true',
      missing: '<nil>',
      deep: '<nil>',
      int: '3',
    });
    expect(stringify(['a', 1n])).toBe('["a",1]');
  });

  it('reports a var error with the var name', () => {
    expect(() => evaluateVars({ x: 'event.nope + "a"' }, payment)).toThrow(/var 'x': /);
    expect(() => evaluateVars({ x: 'event.id / 2' }, payment)).toThrow(/var 'x': /);
  });
});
