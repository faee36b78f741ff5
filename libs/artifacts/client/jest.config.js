module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'artifacts-client',
  rootDir: __dirname,
};
