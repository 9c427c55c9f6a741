import { categoryOf, matchesFilter, parseEventFilter } from './event-filter';

describe('console event filter', () => {
  it('puts each event in a category: lifecycle, intervention, billing, other', () => {
    expect(categoryOf('orchestration', 'SUCCEEDED_WORKFLOW')).toBe('lifecycle');
    expect(categoryOf('orchestration', 'FAILED_TRIGGER')).toBe('lifecycle');
    expect(categoryOf('interventions', 'intervention.opened')).toBe('intervention');
    expect(categoryOf('solvimon', 'invoice.overdue')).toBe('billing');
    expect(categoryOf('shop', 'order.placed')).toBe('other');
  });

  it('parses comma-separated or repeated categories and types, and rejects unknown ones', () => {
    expect(parseEventFilter({ category: 'lifecycle,billing', type: ['invoice.*', 'SUCCEEDED_WORKFLOW'] })).toEqual({
      categories: ['lifecycle', 'billing'],
      types: ['invoice.*', 'SUCCEEDED_WORKFLOW'],
    });
    expect(parseEventFilter({})).toEqual({ categories: [], types: [] });
    expect(parseEventFilter({ category: 'nope' })).toEqual({ error: expect.stringContaining("unknown category 'nope'") });
    expect(parseEventFilter({ type: 'a..b' })).toEqual({ error: expect.stringContaining('invalid event type') });
    expect(parseEventFilter({ type: { x: '1' } })).toEqual({ error: "'type' must be a string" });
  });

  it('matches exact types, prefixes and categories together', () => {
    const filter = { categories: ['billing' as const], types: ['invoice.*'] };
    expect(matchesFilter(filter, 'solvimon', 'invoice.overdue')).toBe(true);
    expect(matchesFilter(filter, 'solvimon', 'payment.failed')).toBe(false);
    expect(matchesFilter({ categories: [], types: ['order.placed'] }, 'shop', 'order.placed')).toBe(true);
    expect(matchesFilter({ categories: [], types: ['order.placed'] }, 'shop', 'order.placed.v2')).toBe(false);
    expect(matchesFilter({ categories: ['lifecycle'], types: [] }, 'shop', 'order.placed')).toBe(false);
    expect(matchesFilter({ categories: [], types: [] }, 'shop', 'anything')).toBe(true);
  });
});
