/**
 * The Postgres schema of the schedules feature, owned by the triggers service (its migrations
 * create it; no other service reads or writes it). Its events go out through the triggers
 * service's outbox (`triggers.outbox`), in the same transactions as these rows.
 */
export const SCHEDULES_SCHEMA = 'schedules';
