module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'faults',
  rootDir: __dirname,
  // The short fault suite starts a whole cluster; one at a time keeps it within 2 cores.
  maxWorkers: 1,
};
