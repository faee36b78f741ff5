module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'zk-store',
  rootDir: __dirname,
};
