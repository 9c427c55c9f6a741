import { CancelMatcher, lookbackMs, parsePolicyDuration } from '@wfp/contracts';
import { CancelWaitChange, Transition } from './transition';

/**
 * `cancel_on`, pure: the cancel waits a start records, and when a cancel must wait. A cancel takes
 * effect between stages — when an acting stage's call is in flight (its `act` timer is leased),
 * the cancel is only requested: the call's end records its result and then cancels, so the call
 * completes once and nothing after it runs.
 */

const PATH = String.raw`[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*`;
const ASYNC_EQ_START = new RegExp(`^async\\.(${PATH})\\s*==\\s*(event|vars)\\.(${PATH})$`);
const START_EQ_ASYNC = new RegExp(`^(event|vars)\\.(${PATH})\\s*==\\s*async\\.(${PATH})$`);

/**
 * The correlation a condition implies, so candidates are narrowed in SQL before CEL runs: a
 * condition that is a plain conjunction (no `||`, `?`, parentheses, negation or string literal)
 * with a term `async.X == event.Y` (or `vars.Y`), where the start's `Y` is a string. Anything
 * else: no prefilter (every wait of the type is a candidate; CEL decides).
 */
export function correlationOf(condition: string | undefined, start: CancelContext): { path: string[]; value: string } | undefined {
  if (!condition || /\|\||[?()!'"`]/.test(condition)) return undefined;
  for (const term of condition.split('&&').map((part) => part.trim())) {
    const direct = ASYNC_EQ_START.exec(term);
    const reversed = direct ? undefined : START_EQ_ASYNC.exec(term);
    const asyncPath = direct ? direct[1] : reversed?.[3];
    const root = direct ? direct[2] : reversed?.[1];
    const startPath = direct ? direct[3] : reversed?.[2];
    if (!asyncPath || !root || !startPath) continue;
    const value =
      root === 'vars'
        ? start.vars[startPath]
        : startPath.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), start.event);
    if (typeof value === 'string') return { path: asyncPath.split('.'), value };
  }
  return undefined;
}

/** What a cancel condition sees of the start: `event` (the triggering payload, `{}` if none) and `vars`. */
export interface CancelContext {
  event: Record<string, unknown>;
  vars: Record<string, string>;
}

/** The cancel waits of an instance started at `startedAt` with these matchers. */
export function planCancelWaits(matchers: readonly CancelMatcher[], start: CancelContext, startedAt: Date): CancelWaitChange[] {
  return matchers.map((matcher, index) => {
    const correlation = correlationOf(matcher.if, start);
    const lookback = lookbackMs(matcher);
    const within = matcher.within ? parsePolicyDuration(matcher.within) : undefined;
    return {
      matcher: index,
      eventType: matcher.event,
      condition: matcher.if ?? null,
      triggerEvent: start.event,
      startVars: start.vars,
      matchPath: correlation?.path ?? null,
      matchValue: correlation?.value ?? null,
      notBefore: new Date(startedAt.getTime() - lookback),
      deadline: within === undefined ? null : new Date(startedAt.getTime() + within),
    };
  });
}

/** Whether an acting stage's call is in flight (its `act` timer leased by the act system). */
export function callInFlight(t: Transition): boolean {
  const timer = t.instance.timer;
  return timer !== null && timer.action === 'act' && timer.leaseId !== null;
}
