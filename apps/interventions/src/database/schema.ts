/** The Postgres schema the interventions owns. No other service reads or writes it. */
export const INTERVENTIONS_SCHEMA = 'interventions';
