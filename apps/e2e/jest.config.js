module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  // End-to-end runs start whole clusters; one at a time keeps them within 2 cores.
  maxWorkers: 1,
};
