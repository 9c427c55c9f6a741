export * from './commands';
export * from './formance';
export * from './billing-events';
export * from './workflow-triggers';
export * from './policy';
export * from './flow-state';
export * from './replays';
