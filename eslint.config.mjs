// Lint: type-aware TypeScript rules plus Nx module boundaries with real tag constraints.
//
// Tags: type:app (deployables), type:data-access (talks to a system: Mesos, Redis, ZooKeeper),
// type:util (pure code), type:proto (generated types), type:testing (test servers and the
// local Mesos stand-in). scope:shared libs may be used by any app.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const layers = [
  { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:proto'] },
  { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:proto'] },
  { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:proto'] },
  { sourceTag: 'type:proto', onlyDependOnLibsWithTags: [] },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:testing', 'type:data-access', 'type:util', 'type:proto'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  // Benchmarks and end-to-end tests drive the whole system from outside.
  { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['*'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['*'] },
  // Examples use only what a user of Mesoflow's libraries would.
  { sourceTag: 'type:example', onlyDependOnLibsWithTags: ['type:data-access', 'type:util', 'type:proto'] },
];

// Tests (and the stand-in's own app) may also use the testing libs.
const withTesting = layers.map((rule) =>
  rule.sourceTag.startsWith('type:') && rule.sourceTag !== 'type:proto'
    ? { ...rule, onlyDependOnLibsWithTags: [...new Set([...rule.onlyDependOnLibsWithTags, 'type:testing'])] }
    : rule,
);

const boundaries = (depConstraints) => [
  'error',
  { enforceBuildableLibDependency: false, allow: [], depConstraints },
];

// The web UI's React components are .tsx; they get the same type-aware rules as everything else.
const sourceFiles = ['**/*.ts', '**/*.tsx'];
const testFiles = ['**/*.spec.ts', '**/*.int-spec.ts', 'bench/**/*.ts', 'examples/**/*.ts'];

export default [
  { ignores: ['**/node_modules/**', '**/dist/**', '**/generated/**', 'reports/**', 'tmp/**', '**/*.js', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: sourceFiles })),
  {
    files: sourceFiles,
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': boundaries(layers),
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name=/^(it|describe|test)$/][callee.property.name='only']", message: 'Focused tests hide the rest of the suite.' },
        { selector: "Identifier[name='forwardRef']", message: 'forwardRef hides a cyclic module graph.' },
      ],
    },
  },
  {
    files: [...testFiles, 'apps/mesos-local/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(withTesting) },
  },
  {
    files: testFiles,
    rules: {
      // Jest matchers and test doubles are loosely typed by nature.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // Async generators stand in for streams without needing to await anything.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
];
