const preset = require('../../jest.preset.js');

const swcTransform = preset.transform['^.+\\.ts$'];

module.exports = {
  ...preset,
  displayName: 'gateway',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  // jose ships ES modules only: compile it to CommonJS for Jest.
  transform: {
    ...preset.transform,
    '^.+/node_modules/jose/.+\\.js$': [swcTransform[0], { ...swcTransform[1], jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};
