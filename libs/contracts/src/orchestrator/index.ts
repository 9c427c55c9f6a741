export * from './commands';
export * from './info';
export * from './workflow';
export * from './instance';
export * from './operations';
export * from './events';
export * from './bulk-jobs';
export * from './cancel-on';
