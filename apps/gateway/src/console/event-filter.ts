import { isBillingEventType, INTERVENTIONS_APP, TRIGGER_EVENTS_APP } from '@wfp/contracts';

/**
 * Which bus events a console stream shows. Pure: the SSE route parses the query into a filter and
 * tests each event against it (NATS 2.9 has one filter subject per consumer, so selection by
 * category and type happens here, after the consumer's `<namespace>.events.>` subject filter).
 */
export const EVENT_CATEGORIES = ['lifecycle', 'intervention', 'billing', 'other'] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

export interface BusEventFilter {
  /** Empty = every category. */
  categories: EventCategory[];
  /** Exact types, or prefixes written `invoice.*`; empty = every type. */
  types: string[];
}

/** The category of an event: orchestration lifecycle (workflows, stages, triggers), interventions, billing, or other. */
export function categoryOf(app: string, type: string): EventCategory {
  if (app === TRIGGER_EVENTS_APP && /^[A-Z_]+$/.test(type)) return 'lifecycle';
  if (app === INTERVENTIONS_APP) return 'intervention';
  if (isBillingEventType(type)) return 'billing';
  return 'other';
}

const TYPE_PATTERN = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?$|^\*$/;

/** A comma-separated or repeated query parameter as a list of non-empty strings. */
function listOf(value: unknown): string[] | undefined {
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((item) => typeof item === 'string')) return undefined;
  return (items as string[]).flatMap((item) => item.split(',')).map((item) => item.trim()).filter(Boolean);
}

/** Parses `?category=lifecycle,billing&type=SUCCEEDED_WORKFLOW,invoice.*`; an error message when invalid. */
export function parseEventFilter(query: Record<string, unknown>): BusEventFilter | { error: string } {
  const categories = listOf(query.category);
  if (!categories) return { error: "'category' must be a string" };
  const unknown = categories.find((c) => !(EVENT_CATEGORIES as readonly string[]).includes(c));
  if (unknown !== undefined) return { error: `unknown category '${unknown.slice(0, 50)}' (one of ${EVENT_CATEGORIES.join(', ')})` };
  const types = listOf(query.type);
  if (!types) return { error: "'type' must be a string" };
  if (types.length > 50) return { error: 'at most 50 types' };
  const bad = types.find((t) => t.length > 200 || !TYPE_PATTERN.test(t));
  if (bad !== undefined) return { error: `invalid event type '${bad.slice(0, 50)}' (dot-separated tokens, optionally ending in .*)` };
  return { categories: categories as EventCategory[], types };
}

export function matchesFilter(filter: BusEventFilter, app: string, type: string): boolean {
  if (filter.categories.length > 0 && !filter.categories.includes(categoryOf(app, type))) return false;
  if (filter.types.length === 0) return true;
  return filter.types.some((t) => t === '*' || t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));
}
