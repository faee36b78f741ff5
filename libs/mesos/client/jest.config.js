module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'mesos-client',
  rootDir: __dirname,
};
