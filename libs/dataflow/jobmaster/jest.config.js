module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'dataflow-jobmaster',
  rootDir: __dirname,
};
