module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'dispatcher-submissions',
  rootDir: __dirname,
};
