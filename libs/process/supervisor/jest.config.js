module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'process-supervisor',
  rootDir: __dirname,
};
