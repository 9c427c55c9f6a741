const preset = require('../../jest.preset.js');

module.exports = {
  ...preset,
  displayName: 'triggers',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
