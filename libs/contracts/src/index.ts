export * from './namespace';
export * from './subjects';
export * from './reply';
export * from './health/health';
export * from './orchestrator/info';
export * from './events/envelope';
