import { ACT_ERRORS, CANCELED, EngineModel, ModelCommand, ModelStage, NEGATIVE_DURATION, nextDelayMs, TIMEOUT } from './engine-model';

const T0 = 1_000_000;

function run(stages: ModelStage[], commands: ModelCommand[] = []) {
  const model = new EngineModel(stages, T0);
  const answers = commands.map((command) => model.apply(command));
  return { model, view: model.view(), answers };
}

const statuses = (model: EngineModel) => model.view().runs.map((r) => r.status);

describe('EngineModel (reference semantics)', () => {
  it('runs instantaneous stages inline at start; an empty workflow succeeds at once', () => {
    const { view } = run([{ kind: 'noop' }, { kind: 'delay', ms: 0 }, { kind: 'publish', eventType: 'x.done' }]);
    expect(view).toEqual({
      status: 'succeeded', error: null, buffered: [], wait: null, busWait: null, timer: null, published: ['x.done'], callInFlight: false, cancelRequested: false, collected: [], collecting: [],
      runs: [0, 1, 2].map((stage) => ({ stage, status: 'succeeded', error: null })),
    });
    expect(run([]).view).toMatchObject({ status: 'succeeded', runs: [] });
  });

  it('a delay sleeps on a resume timer; timerDue jumps the clock to it; a negative delay fails', () => {
    const { model } = run([{ kind: 'delay', ms: 100 }, { kind: 'wait_event', event: 'go', timeoutMs: 50 }]);
    expect(model.view()).toMatchObject({ runs: [{ stage: 0, status: 'sleeping' }], timer: { stage: 0, action: 'resume', dueAt: T0 + 100, attempt: 0 } });
    expect(model.apply({ type: 'timerDue' })).toBe('ok');
    expect(model.now).toBe(T0 + 100);
    expect(model.view()).toMatchObject({
      wait: { stage: 1, event: 'go', deadline: T0 + 150 },
      timer: { stage: 1, action: 'timeout', dueAt: T0 + 150, attempt: 0 },
    });
    expect(run([{ kind: 'delay', ms: -1 }]).view).toMatchObject({ status: 'failed', error: NEGATIVE_DURATION, runs: [{ status: 'failed', error: NEGATIVE_DURATION }] });
    // A clock already past the due time stays where it is.
    const late = run([{ kind: 'delay', ms: 10 }, { kind: 'delay', ms: 10 }], [{ type: 'advanceClock', ms: 500 }, { type: 'timerDue' }]).model;
    expect(late.view().timer).toEqual({ stage: 1, action: 'resume', dueAt: T0 + 510, attempt: 0 });
  });

  it('a buffered event is consumed by the first later wait_event, also one reached inline after a sendEvent', () => {
    const { view, answers } = run(
      [{ kind: 'wait_event', event: 'a' }, { kind: 'wait_event', event: 'b' }],
      [{ type: 'sendEvent', name: 'b' }, { type: 'sendEvent', name: 'a' }],
    );
    expect(answers).toEqual(['ok', 'ok']);
    expect(view).toMatchObject({ status: 'succeeded', buffered: [], runs: [{ status: 'succeeded' }, { status: 'succeeded' }] });

    const m = new EngineModel([{ kind: 'delay', ms: 5 }, { kind: 'wait_event', event: 'a' }, { kind: 'wait_event', event: 'a' }], T0);
    m.apply({ type: 'sendEvent', name: 'x' });
    m.apply({ type: 'sendEvent', name: 'a' });
    expect(m.view().buffered).toEqual(['x', 'a']);
    m.apply({ type: 'timerDue' });
    expect(m.view()).toMatchObject({ buffered: ['x'], wait: { stage: 2, event: 'a' } });
    expect(m.apply({ type: 'sendEvent', name: 'a' })).toBe('ok');
    // Finishing drops what is left in the buffer; the instance then refuses events.
    expect(m.view()).toMatchObject({ status: 'succeeded', buffered: [] });
    expect(m.apply({ type: 'sendEvent', name: 'a' })).toBe('terminated');
  });

  it('wait_event deadlines: on_timeout fail / continue, inline when elapsed, and an event that beats the timer', () => {
    expect(run([{ kind: 'wait_event', event: 'a', timeoutMs: 10 }], [{ type: 'timerDue' }]).view).toMatchObject({
      status: 'failed', error: TIMEOUT, wait: null, timer: null, runs: [{ status: 'failed', error: TIMEOUT }],
    });
    expect(run([{ kind: 'wait_event', event: 'a', timeoutMs: 10, onTimeout: 'continue' }, { kind: 'noop' }], [{ type: 'timerDue' }]).view)
      .toMatchObject({ status: 'succeeded', runs: [{ status: 'succeeded' }, { status: 'succeeded' }] });
    expect(run([{ kind: 'wait_event', event: 'a', timeoutMs: 0 }]).view).toMatchObject({ status: 'failed', error: TIMEOUT });
    // The deadline passed but its timer has not fired yet: the event completes the stage.
    const { view, answers } = run([{ kind: 'wait_event', event: 'a', timeoutMs: 10 }], [{ type: 'advanceClock', ms: 60 }, { type: 'sendEvent', name: 'a' }, { type: 'timerDue' }]);
    expect(answers).toEqual(['ok', 'ok', 'not_applicable']);
    expect(view).toMatchObject({ status: 'succeeded', error: null });
  });

  it('an acting stage: attempt 1 due at once, doubling back-off capped, the last retryable attempt or a fatal one fails', () => {
    const policy = { attempts: 4, backoffMs: 100, maxBackoffMs: 250 };
    expect([1, 2, 3, 4].map((attempt) => nextDelayMs(policy, attempt))).toEqual([100, 200, 250, undefined]);
    const m = new EngineModel([{ kind: 'act', ...policy }, { kind: 'noop' }], T0);
    expect(m.view()).toMatchObject({ runs: [{ status: 'acting' }], timer: { stage: 0, action: 'act', dueAt: T0, attempt: 1 } });
    expect(m.apply({ type: 'timerDue' })).toBe('not_applicable');
    const timers = [];
    for (let i = 0; i < 3; i++) {
      expect(m.apply({ type: 'actResult', result: 'retryable' })).toBe('ok');
      timers.push(m.view().timer);
    }
    expect(timers).toEqual([
      { stage: 0, action: 'act', dueAt: T0 + 100, attempt: 2 },
      { stage: 0, action: 'act', dueAt: T0 + 300, attempt: 3 },
      { stage: 0, action: 'act', dueAt: T0 + 550, attempt: 4 },
    ]);
    m.apply({ type: 'actResult', result: 'retryable' });
    expect(m.view()).toMatchObject({ status: 'failed', error: ACT_ERRORS.retryable, timer: null, runs: [{ status: 'failed', error: ACT_ERRORS.retryable }] });
    expect(m.apply({ type: 'actResult', result: 'succeeded' })).toBe('not_applicable');

    expect(run([{ kind: 'act', ...policy }], [{ type: 'actResult', result: 'fatal' }]).view).toMatchObject({ status: 'failed', error: ACT_ERRORS.fatal });
    expect(statuses(run([{ kind: 'act', ...policy }, { kind: 'noop' }], [{ type: 'actResult', result: 'retryable' }, { type: 'actResult', result: 'succeeded' }]).model))
      .toEqual(['succeeded', 'succeeded']);
  });

  it('wait_for_event: only its type, not after its deadline, on_event / on_timeout succeed end the instance there', () => {
    const stages: ModelStage[] = [
      { kind: 'wait_for_event', eventType: 'closed', timeoutMs: 100, onEvent: 'succeed', onTimeout: 'fail' },
      { kind: 'noop' },
    ];
    const m = new EngineModel(stages, T0);
    expect(m.view()).toMatchObject({ busWait: { stage: 0, eventType: 'closed', deadline: T0 + 100 }, timer: { action: 'timeout', dueAt: T0 + 100 } });
    expect(m.apply({ type: 'busEvent', eventType: 'opened' })).toBe('not_applicable');
    expect(m.apply({ type: 'sendEvent', name: 'closed' })).toBe('ok'); // a sendEvent is not a bus event: buffered
    expect(m.apply({ type: 'advanceClock', ms: 100 })).toBe('ok');
    expect(m.apply({ type: 'busEvent', eventType: 'closed' })).toBe('ok'); // exactly at the deadline: counts
    expect(m.view()).toMatchObject({ status: 'succeeded', busWait: null, timer: null, buffered: [], runs: [{ stage: 0, status: 'succeeded' }] });

    expect(run(stages, [{ type: 'advanceClock', ms: 101 }, { type: 'busEvent', eventType: 'closed' }, { type: 'timerDue' }]))
      .toMatchObject({ answers: ['ok', 'not_applicable', 'ok'], view: { status: 'failed', error: TIMEOUT } });
    const succeedAtTimeout: ModelStage[] = [{ kind: 'wait_for_event', eventType: 'closed', timeoutMs: 5, onEvent: 'continue', onTimeout: 'succeed' }, { kind: 'noop' }];
    expect(run(succeedAtTimeout, [{ type: 'timerDue' }]).view).toMatchObject({ status: 'succeeded', runs: [{ stage: 0, status: 'succeeded' }] });
    expect(statuses(run(succeedAtTimeout, [{ type: 'busEvent', eventType: 'closed' }]).model)).toEqual(['succeeded', 'succeeded']);
  });

  it('abort cancels the open stage and the instance and drops its buffer, wait and timer; a terminated instance refuses', () => {
    const { view, answers } = run(
      [{ kind: 'noop' }, { kind: 'wait_event', event: 'a', timeoutMs: 1000 }, { kind: 'noop' }],
      [{ type: 'sendEvent', name: 'b' }, { type: 'abort' }, { type: 'abort' }, { type: 'sendEvent', name: 'a' }, { type: 'timerDue' }],
    );
    expect(answers).toEqual(['ok', 'ok', 'terminated', 'terminated', 'not_applicable']);
    expect(view).toEqual({
      status: 'canceled', error: CANCELED, buffered: [], wait: null, busWait: null, timer: null, published: [], callInFlight: false, cancelRequested: false, collected: [], collecting: [],
      runs: [{ stage: 0, status: 'succeeded', error: null }, { stage: 1, status: 'canceled', error: CANCELED }],
    });
  });

  it('cancel_on: cancels a waiting instance at once; during a call in flight, once the call ends (nothing after it runs)', () => {
    const act: ModelStage = { kind: 'act', attempts: 3, backoffMs: 10, maxBackoffMs: 100 };
    expect(run([{ kind: 'delay', ms: 1000 }, { kind: 'noop' }], [{ type: 'cancelEvent' }, { type: 'cancelEvent' }])).toMatchObject({
      answers: ['ok', 'terminated'],
      view: { status: 'canceled', error: CANCELED, timer: null, runs: [{ stage: 0, status: 'canceled', error: CANCELED }] },
    });
    // In flight: requested; the call's success is recorded, then the instance is canceled.
    const inFlight = run([act, { kind: 'noop' }], [{ type: 'callBegins' }, { type: 'cancelEvent' }]);
    expect(inFlight.view).toMatchObject({ status: 'running', callInFlight: true, cancelRequested: true });
    expect(inFlight.model.apply({ type: 'actResult', result: 'succeeded' })).toBe('ok');
    expect(inFlight.model.view()).toMatchObject({ status: 'canceled', runs: [{ stage: 0, status: 'succeeded' }], cancelRequested: false });
    // A retryable failure in flight is not retried: the stage is canceled.
    expect(run([act], [{ type: 'callBegins' }, { type: 'cancelEvent' }, { type: 'actResult', result: 'retryable' }]).view).toMatchObject({
      status: 'canceled', timer: null, runs: [{ stage: 0, status: 'canceled' }],
    });
    // The last stage's success in flight ends the instance successfully (nothing was left to cancel).
    expect(run([act], [{ type: 'callBegins' }, { type: 'cancelEvent' }, { type: 'actResult', result: 'succeeded' }]).view).toMatchObject({ status: 'succeeded' });
    // Waiting for a retry's back-off (no call in flight): canceled at once.
    expect(run([act], [{ type: 'actResult', result: 'retryable' }, { type: 'cancelEvent' }]).view).toMatchObject({ status: 'canceled' });
  });

  it('wait_for_events: all of 3, two collected before the stage begins and one after → completes once; any; count(n); deadline', () => {
    const collect: ModelStage = { kind: 'wait_for_events', types: ['a', 'b', 'c'], mode: 'all', onTimeout: 'continue' };
    const { model, answers } = run(
      [{ kind: 'wait_event', event: 'go' }, collect, { kind: 'noop' }],
      [{ type: 'collectEvent', eventType: 'a' }, { type: 'collectEvent', eventType: 'b' }, { type: 'sendEvent', name: 'go' }],
    );
    expect(answers).toEqual(['ok', 'ok', 'ok']);
    expect(model.view()).toMatchObject({ status: 'running', collecting: [1], runs: [{ status: 'succeeded' }, { stage: 1, status: 'waiting' }] });
    expect(model.apply({ type: 'collectEvent', eventType: 'c' })).toBe('ok');
    expect(model.view()).toMatchObject({ status: 'succeeded', collected: [], collecting: [] });
    expect(model.apply({ type: 'collectEvent', eventType: 'c' })).toBe('not_applicable');
    // Everything before the stage: it completes inline when reached.
    const early = run([{ kind: 'wait_event', event: 'go' }, { ...collect, mode: 'any' }], [{ type: 'collectEvent', eventType: 'b' }, { type: 'sendEvent', name: 'go' }]);
    expect(early.view.status).toBe('succeeded');
    expect(run([{ ...collect, mode: 2 }], [{ type: 'collectEvent', eventType: 'a' }]).view.status).toBe('running');
    expect(run([{ ...collect, mode: 2 }], [{ type: 'collectEvent', eventType: 'a' }, { type: 'collectEvent', eventType: 'a' }]).view.status).toBe('succeeded');
    // The deadline: continue goes on with what came; fail fails the stage.
    expect(run([{ ...collect, timeoutMs: 10 }, { kind: 'noop' }], [{ type: 'timerDue' }]).view).toMatchObject({ status: 'succeeded' });
    expect(run([{ ...collect, timeoutMs: 10, onTimeout: 'fail' }], [{ type: 'timerDue' }]).view).toMatchObject({ status: 'failed', error: TIMEOUT });
  });
});
