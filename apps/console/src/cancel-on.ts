/**
 * Readable `cancel_on` (docs/cancel-on.md) for the workflow and trigger pages, and why an instance
 * was canceled (pure, unit-sized): a matcher as facts or one line, the matchers of a workflow's
 * config, and an instance's cancel cause (a bus event, or an abort).
 */
import type { Trigger, WorkflowInstance } from './api';

export type CancelMatcher = NonNullable<Trigger['cancel_on']>[number];

/** The matchers of a workflow config's `cancel_on` (the config is stored verbatim: read defensively). */
export function cancelOnOf(config: Record<string, unknown> | undefined): CancelMatcher[] {
  const list = config?.cancel_on;
  if (!Array.isArray(list)) return [];
  return list.filter((m): m is CancelMatcher => Boolean(m) && typeof m === 'object' && typeof (m as { event?: unknown }).event === 'string');
}

/** event, condition, within, lookback — each with what its absence means. */
export function matcherFacts(m: CancelMatcher): Array<[label: string, value: string]> {
  return [
    ['event', m.event],
    ['condition', m.if ?? '(none: every event of the type)'],
    ['within', m.within ?? '(no limit)'],
    ['lookback', m.lookback ?? '(none: events after the start)'],
  ];
}

/** `order.cancelled if async.order == vars.order, within 2h, lookback 1m` (only what is set). */
export function matcherSummary(m: CancelMatcher): string {
  const parts = [m.if ? `${m.event} if ${m.if}` : m.event];
  if (m.within) parts.push(`within ${m.within}`);
  if (m.lookback) parts.push(`lookback ${m.lookback}`);
  return parts.join(', ');
}

/**
 * Why an ended instance was canceled: by a bus event (`canceledBy`, cancel_on) or by an abort
 * (error `canceled` without `canceledBy`); undefined when it was not canceled.
 */
export function cancelCause(instance: Pick<WorkflowInstance, 'error' | 'canceledBy'>): { by: 'event'; eventId: string } | { by: 'abort' } | undefined {
  if (instance.canceledBy) return { by: 'event', eventId: instance.canceledBy };
  if (instance.error === 'canceled') return { by: 'abort' };
  return undefined;
}
