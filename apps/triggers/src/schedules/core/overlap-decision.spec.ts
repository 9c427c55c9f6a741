import type { OverlapPolicy } from '@wfp/contracts';
import { ActiveInstance, decideOverlap, SKIP_REASONS, WaitingTick } from './overlap-decision';

const tick = (key: string, overlap: OverlapPolicy, counted = true): WaitingTick => ({ key, overlap, counted });
const running = (key: string): ActiveInstance => ({ key, status: 'running' });

describe('overlap decision (pure)', () => {
  it('with nothing running, the first waiting tick starts under every policy', () => {
    for (const policy of ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const) {
      expect(decideOverlap([], [tick('t1', policy)], null).start).toEqual(['t1']);
    }
  });

  it('skip: skipped while an earlier instance runs', () => {
    expect(decideOverlap([running('t0')], [tick('t1', 'skip')], null)).toMatchObject({ start: [], skip: [{ key: 't1', reason: SKIP_REASONS.overlap }] });
  });

  it('buffer_one keeps one and skips the others; buffer_all keeps them all in order', () => {
    expect(decideOverlap([running('t0')], [tick('t1', 'buffer_one'), tick('t2', 'buffer_one')], null)).toMatchObject({
      keep: ['t1'],
      skip: [{ key: 't2', reason: SKIP_REASONS.bufferFull }],
    });
    expect(decideOverlap([running('t0')], [tick('t1', 'buffer_all'), tick('t2', 'buffer_all')], null)).toMatchObject({ keep: ['t1', 't2'], start: [] });
    expect(decideOverlap([], [tick('t1', 'buffer_all'), tick('t2', 'buffer_all')], null)).toMatchObject({ start: ['t1'], keep: ['t2'] });
  });

  it('cancel_other cancels the running instance and waits; terminate_other aborts and starts at once', () => {
    expect(decideOverlap([running('t0')], [tick('t1', 'cancel_other')], null)).toMatchObject({ cancel: ['t0'], keep: ['t1'], start: [] });
    expect(decideOverlap([{ key: 't0', status: 'canceling' }], [tick('t1', 'cancel_other')], null)).toMatchObject({ cancel: [], keep: ['t1'] });
    expect(decideOverlap([running('t0')], [tick('t1', 'terminate_other')], null)).toMatchObject({ terminate: ['t0'], start: ['t1'] });
    // Two cancel_other ticks at once (catch-up): only the newest is kept.
    expect(decideOverlap([running('t0')], [tick('t1', 'cancel_other'), tick('t2', 'cancel_other')], null)).toMatchObject({
      cancel: ['t0'],
      keep: ['t2'],
      skip: [{ key: 't1', reason: SKIP_REASONS.superseded }],
    });
    // With nothing running, a later terminate_other supersedes one started in the same round.
    expect(decideOverlap([], [tick('t1', 'terminate_other'), tick('t2', 'terminate_other')], 5)).toMatchObject({ start: ['t2'], remaining: 4 });
  });

  it('allow_all starts whatever runs', () => {
    expect(decideOverlap([running('t0')], [tick('t1', 'allow_all'), tick('t2', 'allow_all')], null).start).toEqual(['t1', 't2']);
  });

  it('remaining_actions: counted starts use it up, manual ones do not', () => {
    expect(decideOverlap([], [tick('t1', 'allow_all'), tick('t2', 'allow_all'), tick('m', 'allow_all', false)], 1)).toMatchObject({
      start: ['t1', 'm'],
      skip: [{ key: 't2', reason: SKIP_REASONS.noneLeft }],
      remaining: 0,
    });
  });

  /**
   * The scenario, on the pure function: an interval of 1 min, instances lasting 150 s,
   * 10 minutes (ticks at 0..9 min). At each instant, instance ends are seen before the tick.
   */
  describe.each<[OverlapPolicy, number[], number]>([
    ['skip', [0, 180, 360, 540], 0],
    ['buffer_one', [0, 150, 300, 450], 0],
    ['buffer_all', [0, 150, 300, 450], 0],
    ['cancel_other', [0, 60, 120, 180, 240, 300, 360, 420, 480, 540], 9],
    ['terminate_other', [0, 60, 120, 180, 240, 300, 360, 420, 480, 540], 9],
    ['allow_all', [0, 60, 120, 180, 240, 300, 360, 420, 480, 540], 0],
  ])('%s over 10 minutes', (policy, expectedStarts, expectedAborts) => {
    it(`starts at ${expectedStarts.map((s) => s / 60).join(', ')} min`, () => {
      const { starts, aborts } = simulate(policy);
      expect(starts).toEqual(expectedStarts);
      expect(aborts).toBe(expectedAborts);
    });
  });
});

function simulate(policy: OverlapPolicy): { starts: number[]; aborts: number } {
  const active = new Map<string, { status: 'running' | 'canceling'; endsAt: number }>();
  let waiting: WaitingTick[] = [];
  const starts: number[] = [];
  let aborts = 0;
  for (let t = 0; t < 600; t += 30) {
    for (const [key, run] of active) if (run.endsAt <= t) active.delete(key);
    if (t % 60 === 0) waiting.push(tick(`t${t}`, policy));
    // Decide until stable (an abort's end is seen at once, then the waiting tick may start).
    for (let round = 0; round < 3; round++) {
      const decision = decideOverlap([...active].map(([key, run]) => ({ key, status: run.status })), waiting, null);
      for (const key of decision.start) {
        active.set(key, { status: 'running', endsAt: t + 150 });
        starts.push(t);
      }
      for (const key of [...decision.cancel, ...decision.terminate]) {
        aborts += 1;
        active.delete(key);
      }
      waiting = waiting.filter((w) => decision.keep.includes(w.key));
    }
  }
  return { starts, aborts };
}
