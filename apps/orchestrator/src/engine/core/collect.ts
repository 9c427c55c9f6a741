import { checkedStage } from './stage-resolution';
import { StageOutcome } from './stage-kind';
import { CollectWaitChange, Transition } from './transition';

/**
 * `wait_for_events`, pure: which matchers a stage records, whether what was collected completes
 * it, and the output it saves (`complete`, `count`, `events`: matcher → first payload,
 * `missing`: matchers without an event).
 */

export const COLLECT_KIND = 'wait_for_events';
type Collect = Extract<StageOutcome, { type: 'collect' }>;

export interface Collected {
  complete: boolean;
  output: { complete: boolean; count: number; events: Record<string, Record<string, unknown>>; missing: number[] };
}

/** What the events collected for `stage` come to against its `need`. */
export function collectedFor(t: Transition, stage: number, outcome: Pick<Collect, 'need' | 'matchers'>): Collected {
  const mine = (t.instance.collected ?? []).filter((event) => event.stage === stage && event.matcher < outcome.matchers);
  const first = new Map<number, Record<string, unknown>>();
  for (const event of mine) if (!first.has(event.matcher)) first.set(event.matcher, event.payload);
  const missing = Array.from({ length: outcome.matchers }, (_, i) => i).filter((i) => !first.has(i));
  const { need } = outcome;
  const complete = need.kind === 'all' ? missing.length === 0 : need.kind === 'any' ? mine.length >= 1 : mine.length >= need.n;
  const events = Object.fromEntries([...first].sort(([a], [b]) => a - b).map(([matcher, payload]) => [String(matcher), payload]));
  return { complete, output: { complete, count: mine.length, events, missing } };
}

/** The resolved `wait_for_events` stage at `stage` (its outcome, with its matchers), if it is one. */
export function collectStage(t: Transition, stage: number): { outcome: Collect } | undefined {
  const raw = t.instance.stages[stage];
  if (!raw || typeof raw !== 'object' || !(COLLECT_KIND in raw)) return undefined;
  const checked = checkedStage(t.registry, raw, t.instance.variables);
  if (!checked.ok || checked.kind !== COLLECT_KIND) return undefined;
  const outcome = checked.definition.start(checked.input, { now: t.now, instanceId: t.instance.id, stage, variables: t.instance.variables });
  return outcome.type === 'collect' ? { outcome } : undefined;
}

/** The matchers of a `wait_for_events` stage to record, with the instance's variables now. */
export function collectWaitsFor(t: Transition, stage: number, events: Collect['events']): CollectWaitChange[] {
  return events.map((m, matcher) => ({ stage, matcher, eventType: m.type, condition: m.if ?? null, vars: { ...t.instance.variables } }));
}

/** The matchers of every `wait_for_events` stage of the instance (recorded at its start). */
export function collectWaitsOf(t: Transition): CollectWaitChange[] {
  return t.instance.stages.flatMap((_, stage) => {
    const found = collectStage(t, stage);
    return found ? collectWaitsFor(t, stage, found.outcome.events) : [];
  });
}
