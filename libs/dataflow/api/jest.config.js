module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'dataflow-api',
  rootDir: __dirname,
};
