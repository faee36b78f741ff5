module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'artifact-server',
  rootDir: __dirname,
};
