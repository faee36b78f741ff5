module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'mesos-placement',
  rootDir: __dirname,
};
