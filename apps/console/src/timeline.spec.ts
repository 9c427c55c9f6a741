import { WAITING_STAGE_KINDS } from '@wfp/contracts';
import type { InstanceHistory, StageHistory, WorkflowInstance } from './api';
import { buildTimeline, instanceState, waitDetail, WAITING_KINDS } from './timeline';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function instance(overrides: Partial<WorkflowInstance> = {}): WorkflowInstance {
  return {
    id: 'i1',
    workflowID: 'w1',
    createdAt: at(0),
    updatedAt: at(0),
    terminated: false,
    workflow: {
      id: 'w1',
      createdAt: at(0),
      updatedAt: at(0),
      config: { stages: [{ delay: { duration: '5s' } }, { wait_event: { event: 'approved' } }, { send: {} }] },
    },
    ...overrides,
  };
}

const history: InstanceHistory[] = [
  { name: 'RunDelay', input: { duration: '5s' }, terminated: true, startedAt: at(0), terminatedAt: at(5) },
  { name: 'RunWaitEvent', input: { event: 'approved' }, terminated: false, startedAt: at(5) },
];

describe('stage timeline', () => {
  it('has one bar per stage: done, waiting for its event, not reached yet', () => {
    const { bars } = buildTimeline(
      instance({ status: [{ stage: 0, instanceID: 'i1', startedAt: at(0), terminatedAt: at(5) }, { stage: 1, instanceID: 'i1', startedAt: at(5) }] }),
      history,
      {},
      T0 + 10_000,
    );
    expect(bars.map((b) => [b.kind, b.state])).toEqual([
      ['delay', 'succeeded'],
      ['wait_event', 'waiting'],
      ['send', 'pending'],
    ]);
    expect(bars[1].detail).toBe('event “approved”');
    // Geometry over the instance's span (10 s so far): the delay fills the first half.
    expect(bars[0].left).toBe(0);
    expect(bars[0].width).toBe(50);
    expect(bars[1].left).toBe(50);
    expect(bars[1].width).toBe(50);
  });

  it('shows a stage retrying while its last attempt failed and waits for the next', () => {
    const attempts: Record<number, StageHistory[]> = {
      2: [{ name: 'Send', input: {}, terminated: false, startedAt: at(6), attempt: 1, lastFailure: 'HTTP 503', nextExecution: at(8) }],
    };
    const { bars } = buildTimeline(
      instance({
        status: [
          { stage: 0, instanceID: 'i1', startedAt: at(0), terminatedAt: at(5) },
          { stage: 1, instanceID: 'i1', startedAt: at(5), terminatedAt: at(6) },
          { stage: 2, instanceID: 'i1', startedAt: at(6) },
        ],
      }),
      history,
      attempts,
      T0 + 7000,
    );
    expect(bars[2].state).toBe('retrying');
    expect(bars[2].attempts).toHaveLength(1);
  });

  it('marks the failed stage and the unfinished stage of an aborted instance as failed', () => {
    const failed = instance({
      terminated: true,
      terminatedAt: at(3),
      error: 'aborted',
      status: [{ stage: 0, instanceID: 'i1', startedAt: at(0) }],
    });
    const { bars } = buildTimeline(failed, history, {}, T0 + 60_000);
    expect(bars[0].state).toBe('failed');
    expect(bars[0].error).toBe('aborted');
    expect(instanceState(failed)).toBe('failed');
    const errored = instance({ status: [{ stage: 0, instanceID: 'i1', startedAt: at(0), terminatedAt: at(1), error: 'negative duration provided' }] });
    expect(buildTimeline(errored, history, {}, T0 + 2000).bars[0]).toMatchObject({ state: 'failed', error: 'negative duration provided' });
  });

  it('shows a stage of another kind, started and unfinished, as running', () => {
    const { bars } = buildTimeline(
      instance({ workflow: undefined, status: [{ stage: 0, instanceID: 'i1', startedAt: at(0) }] }),
      [],
      {},
      T0 + 1000,
    );
    expect(bars).toHaveLength(1);
    expect(bars[0]).toMatchObject({ kind: '?', state: 'running' });
  });

  it('shows a wait_for_events stage as waiting, with its mode and event types', () => {
    const config = { stages: [{ wait_for_events: { mode: 'count(2)', events: [{ type: 'order.paid' }, { type: 'order.packed' }, { type: 'label.printed' }] } }] };
    const waiting = instance({
      workflow: { id: 'w1', createdAt: at(0), updatedAt: at(0), config },
      status: [{ stage: 0, instanceID: 'i1', startedAt: at(0) }],
    });
    const input = { mode: 'count(2)', events: [{ type: 'order.paid', if: 'event.order == vars.order' }, { type: 'order.packed' }, { type: 'label.printed' }], timeout: '1h0m0s', on_timeout: 'continue' };
    const { bars } = buildTimeline(waiting, [{ name: 'RunWaitForEvents', input, terminated: false, startedAt: at(0) }], {}, T0 + 1000);
    expect(bars[0]).toMatchObject({ kind: 'wait_for_events', state: 'waiting', detail: '2 of order.paid, order.packed, label.printed (timeout 1h0m0s)' });
    expect(waitDetail('wait_for_events', { mode: 'all', events: [{ type: 'a' }, { type: 'b' }] })).toBe('all of a, b');
    expect(waitDetail('wait_for_events', { mode: 'any', events: [{ type: 'a' }] })).toBe('any of a');
    expect(waitDetail('wait_for_event', { type: 'intervention.closed', on_event: 'continue' })).toBe('event “intervention.closed”');
    expect(waitDetail('delay', { duration: '5s' })).toBe('timer 5s');
    // The console repeats the contracts' list (it imports types only): they stay the same.
    expect([...WAITING_KINDS].sort()).toEqual([...WAITING_STAGE_KINDS].sort());
  });
});
