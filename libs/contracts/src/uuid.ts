/**
 * A UUID in its canonical text form (8-4-4-4-12 hex digits, any case, any version). Ids of
 * workflows, instances, triggers, events and keyset-paged rows are UUIDs: this is the one
 * spelling of that check (the gateway's 400s, the services' "no such row", the outbox's ids).
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in canonical text form ({@link UUID_PATTERN}). */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
