/** The Postgres schema the triggers owns. No other service reads or writes it. */
export const TRIGGERS_SCHEMA = 'triggers';
