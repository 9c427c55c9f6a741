import { correlationOf, planCancelWaits } from './cancel-on';

describe('cancel_on, pure', () => {
  const start = { event: { order: 'o-1', n: 7, nested: { id: 'x-1' } }, vars: { customer: 'c-1' } };

  it('takes a correlation prefilter only from a plain conjunction with a string on the start side', () => {
    expect(correlationOf('async.order == event.order', start)).toEqual({ path: ['order'], value: 'o-1' });
    expect(correlationOf('event.nested.id == async.ref.id && async.kind > 2', start)).toEqual({ path: ['ref', 'id'], value: 'x-1' });
    expect(correlationOf('async.amount > 3 && async.customer == vars.customer', start)).toEqual({ path: ['customer'], value: 'c-1' });
    // Not implied by the condition, or not a string: no prefilter (CEL alone decides).
    expect(correlationOf('async.order == event.order || true', start)).toBeUndefined();
    expect(correlationOf('!(async.order == event.order)', start)).toBeUndefined();
    expect(correlationOf("async.order == event.order && async.note == 'a && async.x == event.order'", start)).toBeUndefined();
    expect(correlationOf('async.n == event.n', start)).toBeUndefined();
    expect(correlationOf('async.order == event.missing', start)).toBeUndefined();
    expect(correlationOf(undefined, start)).toBeUndefined();
  });

  it('plans one wait per matcher: not before the start less the lookback, not after the start plus within', () => {
    const at = new Date('2026-12-03T10:00:00Z');
    const [a, b] = planCancelWaits([{ event: 'order.cancelled', if: 'async.order == event.order', lookback: '1m' }, { event: 'shop.closed', within: '2h' }], start, at);
    expect(a).toMatchObject({ matcher: 0, eventType: 'order.cancelled', matchPath: ['order'], matchValue: 'o-1', deadline: null });
    expect(a.notBefore.toISOString()).toBe('2026-12-03T09:59:00.000Z');
    expect(b).toMatchObject({ matcher: 1, eventType: 'shop.closed', condition: null, matchPath: null, notBefore: at });
    expect(b.deadline!.toISOString()).toBe('2026-12-03T12:00:00.000Z');
  });
});
