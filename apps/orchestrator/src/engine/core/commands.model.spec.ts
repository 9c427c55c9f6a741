import fc from 'fast-check';
import { ACT_ERRORS, EngineModel, ModelCommand, ModelStage, ModelView } from '../../../test/model/engine-model';
import { applyTransition, collectEvent, leaseActTimer, MemoryInstance, memoryInstance } from '../../../test/model/memory-store';
import { STAGE_DEFINITIONS } from '../stages/registry';
import { abortInstance, actEnded, busEventMatched, cancelByEvent, eventsCollected, redriveInstance, sendEvent, startInstance, timerDue } from './commands';
import { StageDefinition } from './stage-kind';
import { StageRegistry } from './stage-resolution';
import { IllegalTransition } from './statuses';
import { newInstance, Transition } from './transition';

/**
 * The pure core against the reference model (test/model/engine-model.ts): random workflows of
 * noop / delay / wait_event / wait_for_event / an acting stage / publish, and random command
 * sequences (sendEvent, timer due, clock moves, bus events, act success / retryable / fatal,
 * abort, redrive, an act call beginning, a cancel_on event). After EVERY step the core's state (its transitions applied to an in-memory copy of the
 * engine's tables) must equal the model's view, and every status change must be a row of the
 * transition tables (Transition throws IllegalTransition otherwise).
 *
 * FUZZ_SEED replays a failure (the seed and the shrunk case are printed); FUZZ_RUNS scales the
 * run (`npm run fuzz:engine` runs many more).
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const EVENTS = ['a', 'b', 'c'];
const TYPES = ['t.one', 't.two'];
const START = Date.parse('2026-03-01T10:00:00Z');

/** The acting stage of the model: `start` answers `act` with the stage's own retry policy. */
const modelAct: StageDefinition = {
  kind: 'model_act',
  checkStructure: () => undefined,
  resolve: (spec) => ({ ok: true, input: spec }),
  start: (input) => ({ type: 'act', retry: input.retry as { attempts: number; backoffMs: number; maxBackoffMs: number } }),
};
const registry: StageRegistry = new Map([...STAGE_DEFINITIONS, [modelAct.kind, modelAct]]);

/** A model stage as a workflow config stage. */
function configOf(stage: ModelStage): Record<string, unknown> {
  switch (stage.kind) {
    case 'noop':
      return { noop: {} };
    case 'delay':
      return { delay: { duration: `${stage.ms}ms` } };
    case 'wait_event':
      return { wait_event: { event: stage.event, ...(stage.timeoutMs !== undefined ? { timeout: `${stage.timeoutMs}ms`, on_timeout: stage.onTimeout } : {}) } };
    case 'wait_for_event':
      return {
        wait_for_event: {
          type: stage.eventType, on_event: stage.onEvent,
          // `on_timeout` needs a `timeout` (the kind refuses it alone; the model only reads it at a deadline).
          ...(stage.timeoutMs !== undefined ? { timeout: `${stage.timeoutMs}ms`, on_timeout: stage.onTimeout } : {}),
        },
      };
    case 'act':
      return { model_act: { retry: { attempts: stage.attempts, backoffMs: stage.backoffMs, maxBackoffMs: stage.maxBackoffMs } } };
    case 'publish':
      return { publish: { type: stage.eventType, payload: {} } };
    case 'wait_for_events':
      return {
        wait_for_events: {
          mode: typeof stage.mode === 'number' ? `count(${stage.mode})` : stage.mode,
          events: stage.types.map((type) => ({ type })),
          ...(stage.timeoutMs !== undefined ? { timeout: `${stage.timeoutMs}ms`, on_timeout: stage.onTimeout } : {}),
        },
      };
  }
}

const stageArb: fc.Arbitrary<ModelStage> = fc.oneof(
  fc.constant<ModelStage>({ kind: 'noop' }),
  fc.record({ kind: fc.constant('delay' as const), ms: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })) }),
  fc.record({ kind: fc.constant('wait_event' as const), event: fc.constantFrom(...EVENTS) }),
  fc.record({
    kind: fc.constant('wait_event' as const), event: fc.constantFrom(...EVENTS),
    timeoutMs: fc.integer({ min: 1, max: 5000 }), onTimeout: fc.constantFrom('fail' as const, 'continue' as const),
  }),
  fc.record(
    {
      kind: fc.constant('wait_for_event' as const), eventType: fc.constantFrom(...TYPES), timeoutMs: fc.integer({ min: 1, max: 5000 }),
      onEvent: fc.constantFrom('continue' as const, 'succeed' as const), onTimeout: fc.constantFrom('fail' as const, 'continue' as const, 'succeed' as const),
    },
    { requiredKeys: ['kind', 'eventType', 'onEvent', 'onTimeout'] },
  ),
  fc.record({
    kind: fc.constant('act' as const), attempts: fc.integer({ min: 1, max: 4 }),
    backoffMs: fc.integer({ min: 1, max: 1000 }), maxBackoffMs: fc.integer({ min: 1, max: 3000 }),
  }),
  fc.record({ kind: fc.constant('publish' as const), eventType: fc.constantFrom(...TYPES) }),
  fc.record(
    {
      kind: fc.constant('wait_for_events' as const), types: fc.array(fc.constantFrom(...TYPES), { minLength: 1, maxLength: 3 }),
      mode: fc.oneof(fc.constant('all' as const), fc.constant('any' as const), fc.integer({ min: 1, max: 3 })),
      timeoutMs: fc.integer({ min: 1, max: 5000 }), onTimeout: fc.constantFrom('continue' as const, 'fail' as const),
    },
    // Without a timeout the stage's on_timeout never applies (the model's default is the kind's: continue).
    { requiredKeys: ['kind', 'types', 'mode', 'onTimeout'] },
  ),
);

const commandArb: fc.Arbitrary<ModelCommand> = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('sendEvent' as const), name: fc.constantFrom(...EVENTS) }), weight: 4 },
  { arbitrary: fc.constant<ModelCommand>({ type: 'timerDue' }), weight: 3 },
  { arbitrary: fc.record({ type: fc.constant('advanceClock' as const), ms: fc.integer({ min: 0, max: 3000 }) }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constant('busEvent' as const), eventType: fc.constantFrom(...TYPES) }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('actResult' as const), result: fc.constantFrom('succeeded' as const, 'retryable' as const, 'fatal' as const) }), weight: 3 },
  { arbitrary: fc.constant<ModelCommand>({ type: 'abort' }), weight: 1 },
  { arbitrary: fc.constant<ModelCommand>({ type: 'redrive' }), weight: 2 },
  { arbitrary: fc.constant<ModelCommand>({ type: 'callBegins' }), weight: 2 },
  { arbitrary: fc.constant<ModelCommand>({ type: 'cancelEvent' }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constant('collectEvent' as const), eventType: fc.constantFrom(...TYPES) }), weight: 3 },
);

/** The core driven like the engine's systems drive it, over the in-memory tables. */
class CoreUnderTest {
  readonly store: MemoryInstance;
  now = START;

  constructor(stages: readonly ModelStage[]) {
    const instance = newInstance({ id: '00000000-0000-4000-8000-000000000001', workflowId: '00000000-0000-4000-8000-000000000002', stages: stages.map(configOf), variables: {}, createdAt: new Date(START), chainDepth: 0 });
    this.store = memoryInstance(instance);
    this.commit(startInstance(instance, new Date(this.now), registry));
  }

  apply(command: ModelCommand): 'ok' | 'not_applicable' | 'terminated' {
    const s = this.store.snapshot;
    const running = s.status === 'running';
    switch (command.type) {
      case 'advanceClock':
        this.now += command.ms;
        return 'ok';
      case 'sendEvent':
        return this.answer(sendEvent(s, command.name, new Date(this.now), registry));
      case 'abort':
        return this.answer(abortInstance(s, new Date(this.now), registry));
      case 'callBegins':
        if (!running || !s.timer || s.timer.action !== 'act' || s.timer.leaseId !== null) return 'not_applicable';
        leaseActTimer(this.store);
        return 'ok';
      case 'cancelEvent':
        return this.answer(cancelByEvent(s, 'cancel-event-id', new Date(this.now), registry));
      case 'collectEvent': {
        if (!running) return 'not_applicable';
        const stages = collectEvent(this.store, command.eventType);
        if (stages.length === 0) return 'not_applicable';
        // As the bus-waits system: the first stage that completes is the one (one waits at a time).
        for (const stage of stages) {
          const t = eventsCollected(this.store.snapshot, stage, new Date(this.now), registry);
          if (t) {
            this.commit(t);
            break;
          }
        }
        return 'ok';
      }
      case 'redrive': {
        // Where it failed, as the redrive system reads it: the failed run, else the next stage.
        const failed = [...this.store.runs].filter(([, run]) => run.status === 'failed').map(([stage]) => stage);
        const from = failed.length > 0 ? { stage: Math.max(...failed), failedRun: true } : { stage: this.store.runs.size, failedRun: false };
        const t = redriveInstance(s, from, new Date(this.now), registry);
        return t === 'not_failed' ? 'not_applicable' : this.answer(t);
      }
      case 'timerDue': {
        if (!running || !s.timer || s.timer.action === 'act') return 'not_applicable';
        this.now = Math.max(this.now, s.timer.dueAt.getTime());
        return this.answer(timerDue(s, new Date(this.now), registry));
      }
      case 'busEvent': {
        const info = this.store.busWaitInfo;
        if (!running || !s.busWait || !info || info.eventType !== command.eventType) return 'not_applicable';
        if (info.deadline && this.now > info.deadline.getTime()) return 'not_applicable';
        const t = busEventMatched(s, { stage: s.busWait.stage, onEvent: s.busWait.onEvent }, {}, new Date(this.now), registry);
        return t ? this.answer(t) : 'not_applicable';
      }
      case 'actResult': {
        if (!running || !s.timer || s.timer.action !== 'act') return 'not_applicable';
        this.now = Math.max(this.now, s.timer.dueAt.getTime());
        const input = (s.stages[s.timer.stage] as { model_act: { retry: { attempts: number; backoffMs: number; maxBackoffMs: number } } }).model_act;
        const result =
          command.result === 'succeeded' ? { type: 'succeeded' as const } : { type: command.result, error: ACT_ERRORS[command.result] };
        const { transition } = actEnded(s, { stage: s.timer.stage, attempt: s.timer.attempt, policy: input.retry }, result, new Date(this.now), registry);
        return this.answer(transition);
      }
    }
  }

  view(): ModelView {
    const s = this.store.snapshot;
    const ms = (date: Date | null) => (date === null ? null : date.getTime());
    return {
      status: s.status === 'new' ? 'running' : s.status,
      error: this.store.error,
      runs: [...this.store.runs].sort(([a], [b]) => a - b).map(([stage, run]) => ({ stage, status: run.status, error: run.error })),
      buffered: s.buffered.map((event) => event.name),
      wait: s.wait && { stage: s.wait.stage, event: s.wait.event, deadline: ms(s.wait.deadline) },
      busWait: s.busWait && this.store.busWaitInfo && { stage: s.busWait.stage, eventType: this.store.busWaitInfo.eventType, deadline: ms(this.store.busWaitInfo.deadline) },
      timer: s.timer && { stage: s.timer.stage, action: s.timer.action, dueAt: s.timer.dueAt.getTime(), attempt: s.timer.attempt },
      published: [...this.store.published],
      callInFlight: s.status === 'running' && s.timer !== null && s.timer.leaseId !== null,
      cancelRequested: s.status === 'running' && !!s.cancelRequestedBy,
      collected: (s.collected ?? []).map(({ stage, matcher }) => ({ stage, matcher })),
      collecting: [...this.store.collecting.keys()].sort((a, b) => a - b),
    };
  }

  private answer(t: Transition | 'terminated'): 'ok' | 'terminated' {
    if (t === 'terminated') return t;
    this.commit(t);
    return 'ok';
  }

  private commit(t: Transition): void {
    applyTransition(this.store, t);
  }
}

describe('core commands against the reference model (property-based, pure)', () => {
  it(`ends every step in the model's state (${RUNS} random workflows × command sequences)`, () => {
    fc.assert(
      fc.property(fc.array(stageArb, { maxLength: 6 }), fc.array(commandArb, { maxLength: 20 }), (stages, commands) => {
        const model = new EngineModel(stages, START);
        const core = new CoreUnderTest(stages);
        expect(core.view()).toEqual(model.view());
        for (const [step, command] of commands.entries()) {
          const expected = model.apply(command);
          const actual = core.apply(command);
          expect({ step, command, answer: actual, view: core.view() }).toEqual({ step, command, answer: expected, view: model.view() });
        }
      }),
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false, verbose: 1 },
    );
  });

  it('the issue case: [wait_event a, wait_event b], send b (buffered), send a — b is consumed inline', () => {
    const stages: ModelStage[] = [{ kind: 'wait_event', event: 'a' }, { kind: 'wait_event', event: 'b' }];
    const core = new CoreUnderTest(stages);
    expect(core.apply({ type: 'sendEvent', name: 'b' })).toBe('ok');
    expect(core.view().buffered).toEqual(['b']);
    expect(core.apply({ type: 'sendEvent', name: 'a' })).toBe('ok');
    expect(core.view()).toMatchObject({ status: 'succeeded', buffered: [], wait: null, runs: [{ status: 'succeeded' }, { status: 'succeeded' }] });
  });

  it('refuses a status change that is not a row of the transition tables', () => {
    const core = new CoreUnderTest([{ kind: 'wait_event', event: 'a' }]);
    const t = new Transition(core.store.snapshot, new Date(START), registry);
    expect(() => t.setRunStatus(0, 'sleeping')).toThrow(IllegalTransition); // waiting → sleeping
    expect(() => t.setRunStatus(1, 'succeeded')).toThrow(IllegalTransition); // never reached
    t.setStatus('canceled');
    expect(() => t.setStatus('succeeded')).toThrow(IllegalTransition); // canceled → succeeded
  });
});
