// Lint for the whole workspace: module boundaries between apps and libraries, plus type-aware TypeScript rules.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

// Test files and test support: the only code that may import @gim/testing or packages a library's runtime avoids.
const testFiles = [
  '**/*.spec.ts',
  '**/*.int-spec.ts',
  '**/*.e2e-spec.ts',
  'apps/e2e/src/support/**',
  'libs/*/test/**',
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/gen/**', 'tmp/**', 'data/**', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          depConstraints: [
            { sourceTag: 'type:protocol', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:protocol'] },
            // type:testing holds test helpers; only test files import it (a library's runtime code has no use for it).
            { sourceTag: 'type:storage', onlyDependOnLibsWithTags: ['type:util', 'type:testing'] },
            {
              sourceTag: 'type:rpc',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:protocol', 'type:util'],
            },
            {
              sourceTag: 'type:bus',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:protocol', 'type:util'],
            },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: ['type:util', 'type:protocol', 'type:contracts', 'type:rpc'],
            },
            {
              sourceTag: 'type:service',
              onlyDependOnLibsWithTags: [
                'type:storage',
                'type:rpc',
                'type:bus',
                'type:contracts',
                'type:protocol',
                'type:util',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:gateway',
              onlyDependOnLibsWithTags: [
                'type:rpc',
                'type:bus',
                'type:contracts',
                'type:protocol',
                'type:util',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:service',
                'type:gateway',
                'type:rpc',
                'type:bus',
                'type:contracts',
                'type:protocol',
                'type:util',
              ],
            },
            {
              sourceTag: 'type:e2e',
              onlyDependOnLibsWithTags: [
                'type:testing',
                'type:contracts',
                'type:protocol',
                'type:rpc',
                'type:util',
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      // Config classes annotate property types on purpose: decorator metadata drives the env coercion.
      '@typescript-eslint/no-inferrable-types': ['error', { ignoreProperties: true }],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'apps/e2e/src/support/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  // The test helpers are for tests only: runtime code importing them would ship test databases and ports.
  {
    files: ['**/*.ts'],
    ignores: testFiles,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@gim/testing', message: '@gim/testing is for test files only.' }],
          patterns: [{ group: ['@gim/testing/*'], message: '@gim/testing is for test files only.' }],
        },
      ],
    },
  },
  // The wire codec depends on nothing at all: no package, not even node: modules; only its own files.
  {
    files: ['libs/protocol/**/*.ts'],
    ignores: testFiles,
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.{1,2}(/|$))',
              message: '@gim/protocol imports only its own files (relative paths).',
            },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: 'ImportExpression', message: '@gim/protocol loads no module at run time.' },
        { selector: 'TSImportType', message: '@gim/protocol refers to no other module.' },
        { selector: 'TSExternalModuleReference', message: '@gim/protocol loads no module at run time.' },
        {
          selector: "CallExpression[callee.name='require']",
          message: '@gim/protocol loads no module at run time.',
        },
      ],
    },
  },
];
