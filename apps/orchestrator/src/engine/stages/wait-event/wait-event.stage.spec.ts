import { waitEventStage } from './wait-event.stage';

const now = new Date('2026-01-01T00:00:00Z');
const context = { now, instanceId: 'i', stage: 0, variables: {} };

describe('wait_event stage', () => {
  it('without timeout behaves exactly as upstream', () => {
    expect(waitEventStage.checkStructure({ event: 'go' })).toBeUndefined();
    expect(waitEventStage.checkStructure({ event: 1 })).toBe("wait_event: 'event' must be a string");
    expect(waitEventStage.resolve({})).toEqual({ ok: false, error: 'wait_event: event is required' });
    const resolved = waitEventStage.resolve({ event: 'go', ignored: true });
    expect(resolved).toEqual({ ok: true, input: { event: 'go' } });
    expect(waitEventStage.start({ event: 'go' }, context)).toEqual({ type: 'wait', event: 'go' });
  });

  it('gains timeout and on_timeout (default fail)', () => {
    expect(waitEventStage.checkStructure({ event: 'go', timeout: '30m', on_timeout: 'continue' })).toBeUndefined();
    expect(waitEventStage.checkStructure({ event: 'go', timeout: 'soon' })).toMatch(/invalid timeout 'soon'/);
    expect(waitEventStage.checkStructure({ event: 'go', timeout: '1m', on_timeout: 'succeed' })).toMatch(/'on_timeout' must be one of fail, continue/);
    expect(waitEventStage.checkStructure({ event: 'go', timeout: '${t}' })).toBeUndefined();
    expect(waitEventStage.resolve({ event: 'go', on_timeout: 'continue' })).toEqual({ ok: false, error: "wait_event: 'on_timeout' needs a 'timeout'" });
    const resolved = waitEventStage.resolve({ event: 'go', timeout: '90s' });
    expect(resolved).toEqual({ ok: true, input: { event: 'go', timeout: '1m30s', on_timeout: 'fail' } });
    expect(waitEventStage.start({ event: 'go', timeout: '1m30s', on_timeout: 'continue' }, context)).toEqual({
      type: 'wait',
      event: 'go',
      deadline: new Date('2026-01-01T00:01:30Z'),
      onTimeout: 'continue',
    });
  });
});
