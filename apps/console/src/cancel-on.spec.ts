import { cancelCause, cancelOnOf, matcherFacts, matcherSummary } from './cancel-on';

describe('cancel_on on the workflow, trigger and instance pages', () => {
  it('reads the matchers of a workflow config, ignoring what is not a matcher', () => {
    const matcher = { event: 'order.cancelled', if: 'async.order == vars.order' };
    expect(cancelOnOf({ name: 'w', stages: [], cancel_on: [matcher, { if: 'x' }, null, 'order.paid'] })).toEqual([matcher]);
    expect(cancelOnOf({ stages: [] })).toEqual([]);
    expect(cancelOnOf({ stages: [], cancel_on: 'order.cancelled' })).toEqual([]);
    expect(cancelOnOf(undefined)).toEqual([]);
  });

  it('shows a matcher as facts and as one line', () => {
    const full = { event: 'order.cancelled', if: 'async.order == vars.order', within: '2h', lookback: '1m' };
    expect(matcherFacts(full)).toEqual([
      ['event', 'order.cancelled'],
      ['condition', 'async.order == vars.order'],
      ['within', '2h'],
      ['lookback', '1m'],
    ]);
    expect(matcherSummary(full)).toBe('order.cancelled if async.order == vars.order, within 2h, lookback 1m');
    expect(matcherFacts({ event: 'order.cancelled' })).toEqual([
      ['event', 'order.cancelled'],
      ['condition', '(none: every event of the type)'],
      ['within', '(no limit)'],
      ['lookback', '(none: events after the start)'],
    ]);
    expect(matcherSummary({ event: 'order.cancelled', lookback: '5m' })).toBe('order.cancelled, lookback 5m');
  });

  it('tells a cancel by an event from an abort', () => {
    expect(cancelCause({ error: 'canceled', canceledBy: 'e1' })).toEqual({ by: 'event', eventId: 'e1' });
    expect(cancelCause({ error: 'canceled' })).toEqual({ by: 'abort' });
    expect(cancelCause({ error: 'timeout' })).toBeUndefined();
    expect(cancelCause({})).toBeUndefined();
  });
});
