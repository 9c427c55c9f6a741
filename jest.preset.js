// Shared Jest settings: TypeScript through SWC (with decorator metadata for NestJS DI)
// and the workspace path aliases of tsconfig.base.json.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
          keepClassNames: true,
        },
        module: { type: 'commonjs' },
      },
    ],
    '^.+/node_modules/@marcbachmann/cel-js/.+\\.js$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  // @marcbachmann/cel-js (used by @wfp/expressions) ships ES modules only: compiled to CommonJS for Jest.
  transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^@wfp/contracts$': path.join(__dirname, 'libs/contracts/src/index.ts'),
    '^@wfp/platform$': path.join(__dirname, 'libs/platform/src/index.ts'),
    '^@wfp/platform/tracing$': path.join(__dirname, 'libs/platform/src/observability/tracing.ts'),
    '^@wfp/testing$': path.join(__dirname, 'libs/testing/src/index.ts'),
    '^@wfp/expressions$': path.join(__dirname, 'libs/expressions/src/index.ts'),
  },
  testTimeout: 30000,
};
