import { actionStatusText, actionText, lateness, scheduleStatus, specText } from './schedule-view';

describe('schedule view helpers', () => {
  it('status: paused first, then exhausted, then ended (no next fire time), else active', () => {
    expect(scheduleStatus({ paused: true, remaining_actions: 0 }, [])).toBe('paused');
    expect(scheduleStatus({ paused: false, remaining_actions: 0 })).toBe('exhausted');
    expect(scheduleStatus({ paused: false, remaining_actions: null }, [])).toBe('ended');
    expect(scheduleStatus({ paused: false, remaining_actions: 3 }, ['2026-01-01T00:00:00Z'])).toBe('active');
    expect(scheduleStatus({ paused: false, remaining_actions: null })).toBe('active'); // next times not loaded yet
  });

  it('spec as text: cron with its zone, intervals in each form, window and jitter', () => {
    expect(specText({ cron: '30 2 * * *', timezone: 'Europe/Paris' })).toBe('cron 30 2 * * * (Europe/Paris)');
    expect(specText({ cron: '*/5 * * * *', timezone: 'UTC' })).toBe('cron */5 * * * *');
    expect(specText({ interval: '6h' })).toBe('every 6h');
    expect(specText({ interval: 'every 6h offset 5h' })).toBe('every 6h offset 5h');
    expect(specText({ interval: { interval: '6h', offset: '5h' } })).toBe('every 6h offset 5h');
    expect(specText({ interval: '1m', end_at: '2027-01-01T00:00:00Z', jitter: '30s' })).toBe('every 1m, until 2027-01-01T00:00:00Z, jitter 30s');
  });

  it('action as text', () => {
    expect(actionText({ workflowID: 'w1' })).toBe('start workflow w1');
    expect(actionText({ publish: { type: 'schedule.tick' } })).toBe('publish schedule.tick');
  });

  it('lateness is actual − scheduled, none before the action ran', () => {
    expect(lateness({ scheduledTime: '2026-01-01T10:00:00.000Z', actualTime: '2026-01-01T10:00:00.412Z' })).toBe(412);
    expect(lateness({ scheduledTime: '2026-01-01T10:00:00.000Z' })).toBeUndefined();
    expect(lateness({ scheduledTime: 'x', actualTime: 'y' })).toBeUndefined();
  });

  it('status with its outcome or reason', () => {
    expect(actionStatusText({ status: 'completed', outcome: 'succeeded' })).toBe('completed (succeeded)');
    expect(actionStatusText({ status: 'skipped', reason: 'overlap' })).toBe('skipped (overlap)');
    expect(actionStatusText({ status: 'running' })).toBe('running');
  });
});
