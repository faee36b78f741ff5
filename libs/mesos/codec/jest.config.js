module.exports = {
  ...require('../../../jest.preset.js'),
  displayName: 'mesos-codec',
  rootDir: __dirname,
};
