module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'mesos-local-cluster',
  rootDir: __dirname,
};
