const preset = require('../../jest.preset.js');

// Unit tests of the console's pure modules (timeline, editor error lines); the browser tests are
// e2e/src/console (they need the built dist/ and a real chromium).
module.exports = {
  ...preset,
  displayName: 'console',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
