module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'dataflow-exchange',
  rootDir: __dirname,
};
