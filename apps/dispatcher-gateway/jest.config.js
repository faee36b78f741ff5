module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'dispatcher-gateway',
  rootDir: __dirname,
};
