module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'dataflow-runtime',
  rootDir: __dirname,
};
