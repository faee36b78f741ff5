module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'resourcemanager-client',
  rootDir: __dirname,
};
