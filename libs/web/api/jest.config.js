module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'web-api',
  rootDir: __dirname,
};
