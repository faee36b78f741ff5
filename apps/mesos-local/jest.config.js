module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'mesos-local',
  rootDir: __dirname,
};
