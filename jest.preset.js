// Shared Jest settings: SWC transpiles (type checking is the `typecheck` target's job),
// tsconfig paths become module names, and the two tiers are told apart by file name.
const { pathsToModuleNameMapper } = require('./tools/jest/paths');

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(),
  testMatch: ['**/*.spec.ts', '**/*.int-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // A ceiling, not a target: tests that talk to real servers share 2 cores with the rest of the
  // suite in CI, and a 5 s default fails them on load alone. Slow tests set their own.
  testTimeout: 20_000,
};
