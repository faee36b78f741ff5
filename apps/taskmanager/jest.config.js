module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'taskmanager',
  rootDir: __dirname,
};
