import { waitForEventStage } from './wait-for-event.stage';

const now = new Date('2026-01-01T00:00:00Z');
const context = { now, instanceId: 'i', stage: 0, variables: {} };

describe('wait_for_event stage', () => {
  const story = { type: 'intervention.closed', if: 'event.id == vars.intervention_id', timeout: '30m', on_event: 'continue', on_timeout: 'fail', save_as: 'closed' };

  it('checks the shape and compiles the CEL condition at create', () => {
    expect(waitForEventStage.checkStructure(story)).toBeUndefined();
    expect(waitForEventStage.checkStructure({ type: 'x', if: 'event.id == "${intervention_id}"' })).toBeUndefined();
    expect(waitForEventStage.checkStructure({})).toBe("wait_for_event: 'type' is required");
    expect(waitForEventStage.checkStructure({ type: 'bad type' })).toMatch(/invalid event type/);
    expect(waitForEventStage.checkStructure({ type: 'x', if: 'event.id ==' })).toMatch(/^wait_for_event: error compiling expression 'event.id =='/);
    expect(waitForEventStage.checkStructure({ type: 'x', timeout: '1d' })).toMatch(/invalid timeout '1d'/);
    expect(waitForEventStage.checkStructure({ type: 'x', on_event: 'fail' })).toMatch(/'on_event' must be one of continue, succeed/);
    expect(waitForEventStage.checkStructure({ type: 'x', on_timeout: 'retry' })).toMatch(/'on_timeout' must be one of fail, continue, succeed/);
    expect(waitForEventStage.checkStructure({ type: 'x', save_as: 'bad-name' })).toMatch(/save_as/);
    expect(waitForEventStage.checkStructure({ type: 'x', filter: 'true' })).toMatch(/unknown field 'filter'/);
  });

  it('resolves with defaults and starts a bus wait with its deadline', () => {
    expect(waitForEventStage.resolve({ type: 'x' })).toEqual({ ok: true, input: { type: 'x', on_event: 'continue', on_timeout: 'fail' } });
    expect(waitForEventStage.resolve({ type: 'x', on_timeout: 'continue' })).toEqual({ ok: false, error: "wait_for_event: 'on_timeout' needs a 'timeout'" });
    const resolved = waitForEventStage.resolve(story);
    if (!resolved.ok) throw new Error(resolved.error);
    expect(waitForEventStage.start(resolved.input, context)).toEqual({
      type: 'wait_bus',
      eventType: 'intervention.closed',
      condition: 'event.id == vars.intervention_id',
      deadline: new Date('2026-01-01T00:30:00Z'),
      onEvent: 'continue',
      onTimeout: 'fail',
      saveAs: 'closed',
    });
    expect(waitForEventStage.start({ type: 'x', on_event: 'succeed', on_timeout: 'fail' }, context)).toEqual({
      type: 'wait_bus',
      eventType: 'x',
      onEvent: 'succeed',
      onTimeout: 'fail',
    });
  });
});
