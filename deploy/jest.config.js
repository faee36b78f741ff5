module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'deploy',
  rootDir: __dirname,
  // The suites start TypeScript programs and bundle the TaskManager; one at a time keeps them within 2 cores.
  maxWorkers: 1,
};
