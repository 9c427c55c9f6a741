const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'interventions',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
