export * from './namespace';
export * from './subjects';
export * from './reply';
export * from './health/health';
export * from './events/envelope';
export * from './orchestrator';
export * from './triggers';
export * from './interventions';
