const preset = require('../../jest.preset.js');

const swcTransform = preset.transform['^.+\\.ts$'];

module.exports = {
  ...preset,
  displayName: 'triggers',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // @marcbachmann/cel-js ships ES modules only: compile it to CommonJS for Jest.
  transform: {
    ...preset.transform,
    '^.+/node_modules/@marcbachmann/cel-js/.+\\.js$': [swcTransform[0], { ...swcTransform[1], jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@marcbachmann/cel-js/)'],
};
