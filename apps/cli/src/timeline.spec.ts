import type { WorkflowInstance } from '@wfp/contracts';
import { buildTimeline, formatDuration, renderTimeline } from './timeline';

const stages = [{ delay: { duration: '5s' } }, { wait_event: { event: 'resolved' } }, { intervention: { action: 'categorize' } }];
const base: WorkflowInstance = {
  id: 'i-1',
  workflowID: 'w-1',
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:05.000Z',
  terminated: false,
};

describe('instance timeline', () => {
  it('shows done, waiting (with time so far) and not-yet-reached stages', () => {
    const instance: WorkflowInstance = {
      ...base,
      status: [
        { stage: 0, instanceID: 'i-1', startedAt: '2026-01-01T10:00:00.000Z', terminatedAt: '2026-01-01T10:00:05.000Z' },
        { stage: 1, instanceID: 'i-1', startedAt: '2026-01-01T10:00:05.000Z' },
      ],
    };
    const timeline = buildTimeline(instance, stages, new Date('2026-01-01T10:00:17.500Z'), 'follow-up');
    expect(timeline.state).toBe('running');
    expect(timeline.stages.map((s) => [s.kind, s.state, s.durationMs])).toEqual([
      ['delay', 'succeeded', 5000],
      ['wait_event', 'waiting', 12_500],
      ['intervention', 'pending', undefined],
    ]);
    const lines = renderTimeline(timeline);
    expect(lines[0]).toBe('instance i-1 of follow-up: running');
    expect(lines[1]).toMatch(/^ {3}0 {2}✓ delay +succeeded +5\.0s +for 5s$/);
    expect(lines[2]).toMatch(/1 {2}… wait_event +waiting +12\.5s +for event "resolved"$/);
    expect(lines[3]).toMatch(/2 {2}· intervention +pending +categorize$/);
  });

  it('marks the failed stage and the instance error', () => {
    const instance: WorkflowInstance = {
      ...base,
      terminated: true,
      terminatedAt: '2026-01-01T10:00:01.000Z',
      error: 'canceled',
      status: [{ stage: 0, instanceID: 'i-1', startedAt: '2026-01-01T10:00:00.000Z', terminatedAt: '2026-01-01T10:00:01.000Z', error: 'canceled' }],
    };
    const timeline = buildTimeline(instance, stages, new Date('2026-01-01T11:00:00.000Z'));
    expect(timeline.state).toBe('failed');
    expect(timeline.stages[0]).toMatchObject({ state: 'failed', error: 'canceled', durationMs: 1000 });
    expect(renderTimeline(timeline)[0]).toBe('instance i-1: failed (canceled)');
  });

  it('formats durations for a terminal', () => {
    expect([formatDuration(250), formatDuration(1500), formatDuration(125_000), formatDuration(3_780_000)]).toEqual(['250ms', '1.5s', '2m05s', '1h03m']);
  });
});
