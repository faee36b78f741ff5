module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'appmaster',
  rootDir: __dirname,
};
