module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'config-overlay',
  rootDir: __dirname,
};
