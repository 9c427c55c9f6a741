/**
 * Differential test: the REAL platform (gateway + orchestrator processes on Postgres and NATS,
 * through the Formance v1 HTTP API) against the reference model of the engine's documented
 * semantics (apps/orchestrator/test/model/engine-model.ts).
 *
 * Random workflows (fast-check, seeded) of `noop`, `delay` (0–50 ms) and `wait_event` WITHOUT a
 * timeout, with random `sendEvent`s: one at a time, several at once (Promise.all), and "settle"
 * steps (wait until the instance is quiescent). After the last step the instance is polled until
 * it is quiescent — terminated, or its last reached stage is a `wait_event` still waiting (nothing
 * can change it any more: no timeouts, no more events) — and its state (terminated, error, one
 * status per reached stage from /history and `status[]`) is compared with the model's.
 *
 * Why the end state is timing-independent: without timeouts nothing can fail, and a delay only
 * postpones; every event sent to a running instance is kept (completes the current wait or is
 * buffered for the first later wait_event of that name) until the instance ends. So the instance
 * gets past its k-th `wait_event X` iff at least k events X were accepted, whatever the
 * interleaving with the delays: the end state depends only on the MULTISET of accepted sends
 * (answered 204). Sends answered 400 "terminated" reached a finished instance and are not applied
 * to the model. The model is run in lock-step (accepted sends in request order; at a settle step,
 * and at the end, its timers fire) and is never ahead of the engine, so for a send on its own:
 * the engine accepting an event the model calls terminated is a discrepancy too. Within a
 * concurrent batch the engine's order is unknown: there the model may find the instance
 * terminated for an accepted send (the extra event would only have been buffered and dropped).
 *
 * The second test does the same for several instances at once while the orchestrator is killed
 * (SIGKILL) at random moments and restarted: no accepted event may be lost, none applied twice.
 * A send whose answer was lost (503 after a timeout, a broken connection) may or may not have been
 * applied: the end state must equal the model's for SOME subset of those. A 503 "no instance is
 * running" (nobody received the command) was not applied and is sent again.
 *
 * Knobs: FUZZ_SEED (replay; the seed is printed, and fast-check's report on failure gives the seed,
 * the path and the shrunk case), FUZZ_RUNS (cases, default 25), FUZZ_CHAOS_RUNS (kill rounds,
 * default 3), FUZZ_TIME_LIMIT_MS (stops shrinking after that long, default 90 s),
 * FUZZ_EVENT_NAMES (comma-separated, default a,b,c; `z` is always sent too and never awaited).
 */
import fc from 'fast-check';
import { PlatformUnderTest } from '@wfp/testing';
// The model lives in the orchestrator's test tree (pure TypeScript, no app code): shared by the
// engine-level differential test and this one.
// eslint-disable-next-line @nx/enforce-module-boundaries -- test code shared across test trees, no app code
import { EngineModel, ModelStage, ModelView } from '../../../apps/orchestrator/test/model/engine-model';

const SEED = Number(process.env.FUZZ_SEED ?? 20260519);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const CHAOS_RUNS = Number(process.env.FUZZ_CHAOS_RUNS ?? 3);
const TIME_LIMIT_MS = Number(process.env.FUZZ_TIME_LIMIT_MS ?? 90_000);
const EVENT_NAMES = (process.env.FUZZ_EVENT_NAMES ?? 'a,b,c').split(',').filter(Boolean);
/** Quiescence is normally reached in milliseconds; this bounds a stuck instance (then compared as it is). */
const QUIESCENCE_TIMEOUT_MS = 10_000;

type WireStage = { noop: Record<string, never> } | { delay: { duration: string } } | { wait_event: { event: string } };
type Step = { send: string } | { together: string[] } | { settle: true };
interface Case {
  stages: WireStage[];
  steps: Step[];
}

/** What is compared: the instance's end state, with one entry per reached stage. */
interface Observed {
  terminated: boolean;
  error: string | null;
  stages: Array<{ name: string; status: 'open' | 'succeeded' | 'failed' | 'canceled'; error: string | null }>;
}

interface InstanceJson {
  id: string;
  terminated: boolean;
  error?: string;
  status?: Array<{ stage: number; terminatedAt?: string; error?: string }>;
}
interface HistoryJson {
  name: string;
  terminated: boolean;
  error?: string;
}

// ---------------------------------------------------------------------------------------------
// Generators

const stageArb = (durations: string[]): fc.Arbitrary<WireStage> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant<WireStage>({ noop: {} }) },
    { weight: 2, arbitrary: fc.constantFrom(...durations).map((duration): WireStage => ({ delay: { duration } })) },
    { weight: 4, arbitrary: fc.constantFrom(...EVENT_NAMES).map((event): WireStage => ({ wait_event: { event } })) },
  );
const nameArb = fc.constantFrom(...EVENT_NAMES, 'z');
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: nameArb.map((send): Step => ({ send })) },
  { weight: 2, arbitrary: fc.array(nameArb, { minLength: 2, maxLength: 4 }).map((together): Step => ({ together })) },
  { weight: 1, arbitrary: fc.constant<Step>({ settle: true }) },
);
const caseArb = (durations: string[]): fc.Arbitrary<Case> =>
  fc.record({ stages: fc.array(stageArb(durations), { minLength: 1, maxLength: 6 }), steps: fc.array(stepArb, { maxLength: 8 }) });

/** The known bug (buffered event lost when its wait_event is reached inline after a sendEvent). */
const BUFFERED_THEN_INLINE: Case = {
  stages: [{ wait_event: { event: EVENT_NAMES[0] } }, { wait_event: { event: EVENT_NAMES[1] ?? 'b' } }],
  steps: [{ send: EVENT_NAMES[1] ?? 'b' }, { send: EVENT_NAMES[0] }],
};

// ---------------------------------------------------------------------------------------------
// The model side

function durationMs(duration: string): number {
  const match = /^(\d+)(ms|s)$/.exec(duration);
  if (!match) throw new Error(`test: unsupported duration ${duration}`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

function modelStage(stage: WireStage): ModelStage {
  if ('noop' in stage) return { kind: 'noop' };
  if ('delay' in stage) return { kind: 'delay', ms: durationMs(stage.delay.duration) };
  return { kind: 'wait_event', event: stage.wait_event.event };
}

function historyName(stage: WireStage): string {
  return 'noop' in stage ? 'RunNoop' : 'delay' in stage ? 'RunDelay' : 'RunWaitEvent';
}

/** Fires the model's timers until it has none (the instance reached a wait or its end). */
function drain(model: EngineModel): void {
  for (let i = 0; model.view().timer && i < 1000; i++) model.apply({ type: 'timerDue' });
}

function project(view: ModelView, stages: WireStage[]): Observed {
  return {
    terminated: view.status !== 'running',
    error: view.error,
    stages: view.runs.map((run) => ({
      name: historyName(stages[run.stage]),
      status: run.status === 'succeeded' || run.status === 'failed' || run.status === 'canceled' ? run.status : 'open',
      error: run.error,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// The engine side (HTTP)

type SendAnswer = 'accepted' | 'rejected' | 'not_delivered' | 'ambiguous';

function client(platform: PlatformUnderTest) {
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const res = await fetch(`${platform.url}/api/orchestration${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const expectStatus = async (expected: number, method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    if (res.status !== expected) throw new Error(`${method} ${path} answered ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    async start(stages: WireStage[]): Promise<string> {
      const workflow = await expectStatus(201, 'POST', '/workflows', { name: 'model-differential', stages });
      const instance = await expectStatus(201, 'POST', `/workflows/${workflow.data.id}/instances`, {});
      return instance.data.id as string;
    },
    async send(id: string, name: string): Promise<SendAnswer> {
      let res: { status: number; body: { errorCode?: string; errorMessage?: string } | undefined };
      try {
        res = await call('POST', `/instances/${id}/events`, { name });
      } catch {
        return 'ambiguous'; // the connection broke: the command may have been applied
      }
      if (res.status === 204) return 'accepted';
      const message = res.body?.errorMessage ?? '';
      if (res.status === 400 && message.includes('terminated')) return 'rejected';
      if (res.status === 503 && message.includes('no instance is running')) return 'not_delivered';
      if (res.status === 503) return 'ambiguous';
      throw new Error(`sendEvent ${name} answered ${res.status} ${JSON.stringify(res.body)}`);
    },
    /** The instance and its history; undefined while the orchestrator does not answer. */
    async read(id: string): Promise<{ instance: InstanceJson; history: HistoryJson[] } | undefined> {
      try {
        const instance = await call('GET', `/instances/${id}`);
        if (instance.status === 503) return undefined;
        if (instance.status !== 200) throw new Error(`GET instance answered ${instance.status} ${JSON.stringify(instance.body)}`);
        const history = await call('GET', `/instances/${id}/history`);
        if (history.status === 503) return undefined;
        if (history.status !== 200) throw new Error(`GET history answered ${history.status} ${JSON.stringify(history.body)}`);
        return { instance: instance.body.data as InstanceJson, history: history.body.data as HistoryJson[] };
      } catch (error) {
        if (error instanceof TypeError) return undefined; // fetch failed (connection)
        throw error;
      }
    },
  };
}
type Client = ReturnType<typeof client>;

function isQuiescent(instance: InstanceJson, stages: WireStage[]): boolean {
  if (instance.terminated) return true;
  const last = instance.status?.[instance.status.length - 1];
  return last !== undefined && last.terminatedAt === undefined && 'wait_event' in stages[last.stage];
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the instance is quiescent (or the timeout: then as it is), and returns its state. */
async function observe(api: Client, id: string, stages: WireStage[], timeoutMs = QUIESCENCE_TIMEOUT_MS): Promise<Observed & { quiescent: boolean; problems: string[] }> {
  const deadline = Date.now() + timeoutMs;
  let read = await api.read(id);
  while (!read || !isQuiescent(read.instance, stages)) {
    if (Date.now() > deadline) break;
    await pause(15);
    read = await api.read(id);
  }
  if (!read) throw new Error(`instance ${id} could not be read`);
  const { instance, history } = read;
  const status = instance.status ?? [];
  const problems: string[] = [];
  if (status.length !== history.length) problems.push(`status[] has ${status.length} entries, /history ${history.length}`);
  status.forEach((entry, k) => {
    if (entry.stage !== k) problems.push(`status[${k}] is stage ${entry.stage}`);
    const h = history[k];
    if (h && (h.terminated !== (entry.terminatedAt !== undefined) || (h.error ?? null) !== (entry.error ?? null))) {
      problems.push(`stage ${k}: status[] and /history disagree`);
    }
  });
  return {
    quiescent: isQuiescent(instance, stages),
    problems,
    terminated: instance.terminated,
    error: instance.error ?? null,
    stages: history.map((h) => ({
      name: h.name,
      status: !h.terminated ? 'open' : h.error === undefined ? 'succeeded' : h.error === 'canceled' ? 'canceled' : 'failed',
      error: h.error ?? null,
    })),
  };
}

const same = (a: Observed, b: Observed) =>
  JSON.stringify({ terminated: a.terminated, error: a.error, stages: a.stages }) === JSON.stringify({ terminated: b.terminated, error: b.error, stages: b.stages });

// ---------------------------------------------------------------------------------------------

describe('engine vs reference model (differential, real services)', () => {
  let platform: PlatformUnderTest;
  let api: Client;

  beforeAll(async () => {
    platform = await PlatformUnderTest.start({
      label: 'orch_model',
      services: ['orchestrator', 'gateway'],
      env: { ORCHESTRATOR_POLL_INTERVAL_MS: '20', LOG_LEVEL: 'info' },
      serviceEnv: { gateway: { REQUEST_TIMEOUT_MS: '2000' } },
    });
    api = client(platform);
    console.log(`engine-model differential: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} FUZZ_CHAOS_RUNS=${CHAOS_RUNS} events ${EVENT_NAMES.join(',')}`);
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
  });

  /** One case, sends in order; throws with the whole story when the engine and the model differ. */
  async function runCase(c: Case): Promise<void> {
    const stages = c.stages;
    const id = await api.start(stages);
    const model = new EngineModel(stages.map(modelStage), 0);
    const story: string[] = [];
    const problems: string[] = [];
    let rejectedBefore = false;
    for (const step of c.steps) {
      if ('settle' in step) {
        const settled = await observe(api, id, stages);
        drain(model);
        story.push('settle');
        if (!settled.quiescent) problems.push('not quiescent at a settle step');
        continue;
      }
      const names = 'send' in step ? [step.send] : step.together;
      const answers = await Promise.all(names.map((name) => api.send(id, name)));
      const alone = names.length === 1;
      answers.forEach((answer, k) => {
        const name = names[k];
        story.push(`${alone ? '' : '∥'}${name}:${answer === 'accepted' ? 204 : answer === 'rejected' ? 400 : answer}`);
        if (answer !== 'accepted' && answer !== 'rejected') problems.push(`sendEvent ${name}: ${answer}`);
        if (answer === 'accepted') {
          if (rejectedBefore) problems.push(`'${name}' accepted after an earlier send was refused as terminated`);
          if (model.apply({ type: 'sendEvent', name }) === 'terminated' && alone) {
            problems.push(`the engine accepted '${name}' where the model has already terminated`);
          }
        }
      });
      if (answers.includes('rejected')) rejectedBefore = true;
    }
    drain(model);
    const expected = project(model.view(), stages);
    const actual = await observe(api, id, stages);
    problems.push(...actual.problems);
    if (!actual.quiescent) problems.push(`not quiescent after ${QUIESCENCE_TIMEOUT_MS} ms`);
    if (rejectedBefore && !actual.terminated) problems.push('a send was refused as terminated but the instance is running');
    if (!same(actual, expected)) problems.push('end states differ');
    if (problems.length > 0) {
      throw new Error(
        [
          `engine and model differ: ${problems.join('; ')}`,
          `  instance ${id}`,
          `  stages: ${JSON.stringify(stages)}`,
          `  sends:  ${story.join(' ') || '(none)'}`,
          `  model:  ${JSON.stringify(expected)}`,
          `  engine: ${JSON.stringify({ terminated: actual.terminated, error: actual.error, stages: actual.stages })}`,
        ].join('\n'),
      );
    }
  }

  it('random workflows and sends (sequential and concurrent) end as the model says', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(['0s', '1ms', '5ms', '20ms', '50ms']), (c) => runCase(c)),
      { seed: SEED, numRuns: RUNS, examples: [[BUFFERED_THEN_INLINE]], skipAllAfterTimeLimit: TIME_LIMIT_MS },
    );
  }, TIME_LIMIT_MS + 60_000);

  it('with the orchestrator killed (SIGKILL) and restarted at random moments: no event lost, none applied twice', async () => {
    const round = async (cases: Case[], kills: number[]): Promise<void> => {
      const ids: string[] = [];
      for (const c of cases) ids.push(await api.start(c.stages));
      const startedAt = Date.now();
      let restarting = Promise.resolve();
      const killer = (async () => {
        for (const offset of kills) {
          await pause(offset); // a random moment to crash at (not a wait for a condition)
          restarting = platform.stopService('orchestrator', 'SIGKILL').then(() => platform.startService('orchestrator'));
          await restarting;
        }
      })();
      let resent = 0;
      const sendAll = async (id: string, name: string, log: Array<{ name: string; answer: SendAnswer }>) => {
        for (let attempt = 0; ; attempt++) {
          const answer = await api.send(id, name);
          // Nobody received it: not applied, send it again once the orchestrator is back.
          if (answer === 'not_delivered' && attempt < 200) {
            resent++;
            await restarting;
            await pause(20);
            continue;
          }
          log.push({ name, answer });
          return;
        }
      };
      const runs = cases.map(async (c, n) => {
        const log: Array<{ name: string; answer: SendAnswer }> = [];
        for (const step of c.steps) {
          if ('settle' in step) await observe(api, ids[n], c.stages, 30_000);
          else if ('send' in step) await sendAll(ids[n], step.send, log);
          else await Promise.all(step.together.map((name) => sendAll(ids[n], name, log)));
        }
        return log;
      });
      const logs = await Promise.all(runs);
      const sendsDoneAt = Date.now() - startedAt;
      await killer;
      const answers = logs.flat().map((s) => s.answer);
      const count = (answer: SendAnswer) => answers.filter((a) => a === answer).length;
      console.log(
        `chaos round: ${cases.length} instances, kills at +${kills.join(', +')} ms, sends done at +${sendsDoneAt} ms: ` +
          `${count('accepted')} accepted, ${count('rejected')} refused (terminated), ${count('ambiguous')} ambiguous, ${resent} re-sent (not delivered)`,
      );
      const failures: string[] = [];
      for (const [n, c] of cases.entries()) {
        const actual = await observe(api, ids[n], c.stages, 30_000);
        const accepted = logs[n].filter((s) => s.answer === 'accepted').map((s) => s.name);
        const ambiguous = logs[n].filter((s) => s.answer === 'ambiguous').map((s) => s.name);
        // The model for each subset of the sends whose outcome is unknown (accepted ones first:
        // the end state depends only on the multiset).
        const candidates: Observed[] = [];
        for (let mask = 0; mask < 2 ** Math.min(ambiguous.length, 8); mask++) {
          const model = new EngineModel(c.stages.map(modelStage), 0);
          for (const name of [...accepted, ...ambiguous.filter((_, k) => mask & (1 << k))]) model.apply({ type: 'sendEvent', name });
          drain(model);
          candidates.push(project(model.view(), c.stages));
        }
        const problems = [...actual.problems];
        if (!actual.quiescent) problems.push('not quiescent after 30 s');
        if (!candidates.some((candidate) => same(actual, candidate))) problems.push('end state matches no model');
        if (problems.length > 0) {
          failures.push(
            [
              `instance ${ids[n]}: ${problems.join('; ')}`,
              `  stages: ${JSON.stringify(c.stages)}`,
              `  sends:  ${logs[n].map((s) => `${s.name}:${s.answer}`).join(' ') || '(none)'}`,
              `  models: ${candidates.map((m) => JSON.stringify(m)).join('\n          ')}`,
              `  engine: ${JSON.stringify({ terminated: actual.terminated, error: actual.error, stages: actual.stages })}`,
            ].join('\n'),
          );
        }
      }
      if (failures.length > 0) throw new Error(`after kills at +${kills.join(' ms, +')} ms:\n${failures.join('\n')}`);
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(caseArb(['0s', '5ms', '50ms', '200ms', '400ms']), { minLength: 4, maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 2 }),
        round,
      ),
      { seed: SEED, numRuns: CHAOS_RUNS, endOnFailure: true },
    );
  }, 240_000);
});
