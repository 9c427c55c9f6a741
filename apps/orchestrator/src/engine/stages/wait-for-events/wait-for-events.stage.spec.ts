import { modeOf, waitForEventsStage } from './wait-for-events.stage';

const now = new Date('2026-01-01T00:00:00Z');
const context = { now, instanceId: 'i', stage: 0, variables: {} };

describe('wait_for_events stage', () => {
  const story = { mode: 'all', events: [{ type: 'order.paid', if: 'event.order == vars.order' }, { type: 'order.packed' }], timeout: '1h', save_as: 'ready' };

  it('checks the shape, the mode and every matcher (CEL compiled) at create', () => {
    expect(waitForEventsStage.checkStructure(story)).toBeUndefined();
    expect(waitForEventsStage.checkStructure({ events: [{ type: '${kind}.paid' }], mode: '${mode}' })).toBeUndefined();
    expect(waitForEventsStage.checkStructure({})).toBe("wait_for_events: 'events' must be a non-empty array");
    expect(waitForEventsStage.checkStructure({ events: [{ type: 'x' }], mode: 'most' })).toMatch(/'mode' must be all, any or count\(n\)/);
    expect(waitForEventsStage.checkStructure({ events: [{ type: 'x' }], mode: 'count(0)' })).toMatch(/'mode'/);
    expect(waitForEventsStage.checkStructure({ events: [{ type: 'x' }, { type: 'bad type' }] })).toMatch(/events\[1\]: invalid event type/);
    expect(waitForEventsStage.checkStructure({ events: [{ type: 'x', if: 'event.id ==' }] })).toMatch(/events\[0\]: error compiling expression/);
    expect(waitForEventsStage.checkStructure({ events: [{ type: 'x', filter: 'true' }] })).toMatch(/unknown field 'filter'/);
    expect(waitForEventsStage.checkStructure({ events: [{ type: 'x' }], on_timeout: 'succeed' })).toMatch(/'on_timeout' must be one of continue, fail/);
    expect(waitForEventsStage.checkStructure({ events: Array.from({ length: 21 }, () => ({ type: 'x' })) })).toMatch(/at most 20/);
  });

  it('resolves with defaults (mode all, on_timeout continue) and starts a collect with its deadline', () => {
    expect(waitForEventsStage.resolve({ events: [{ type: 'x' }] })).toEqual({ ok: true, input: { mode: 'all', events: [{ type: 'x' }], on_timeout: 'continue' } });
    expect(waitForEventsStage.resolve({ events: [{ type: 'x' }], on_timeout: 'fail' })).toEqual({ ok: false, error: "wait_for_events: 'on_timeout' needs a 'timeout'" });
    const resolved = waitForEventsStage.resolve(story);
    if (!resolved.ok) throw new Error(resolved.error);
    expect(waitForEventsStage.start(resolved.input, context)).toEqual({
      type: 'collect', need: { kind: 'all' }, events: story.events, matchers: 2, deadline: new Date('2026-01-01T01:00:00Z'), onTimeout: 'continue',
    });
  });

  it('reads the modes', () => {
    expect(modeOf('all')).toEqual({ kind: 'all' });
    expect(modeOf('any')).toEqual({ kind: 'any' });
    expect(modeOf('count(3)')).toEqual({ kind: 'count', n: 3 });
    expect(modeOf('count(-1)')).toBeUndefined();
    expect(modeOf('count(x)')).toBeUndefined();
  });
});
