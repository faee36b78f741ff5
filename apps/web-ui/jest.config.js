// Unit tests of the UI's pure logic only (layout, formatting, grouping, filtering); the React
// components are exercised in a real browser by the end-to-end tests.
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'web-ui',
  rootDir: __dirname,
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
