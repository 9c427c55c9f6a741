export * from './commands';
export * from './schedule';
