module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'mesos-recordio',
  rootDir: __dirname,
};
