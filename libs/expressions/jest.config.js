const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'expressions',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
