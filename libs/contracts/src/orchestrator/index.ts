export * from './commands';
export * from './info';
export * from './workflow';
export * from './instance';
