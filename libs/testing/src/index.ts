export * from './test-database';
export * from './test-namespace';
export * from './fake-clock';
export * from './eventually';
export * from './openapi-validator';
export * from './platform-under-test';
export * from './schemas-touched';
export * from './vendor-conformance';
