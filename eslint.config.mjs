// Lint: `npm run lint`. TypeScript is linted with type information (typescript-eslint's
// recommendedTypeChecked), so a promise nobody awaits or a promise handed to a callback that ignores it
// is an error. Formatting belongs to Prettier (`npm run format:check`); eslint-config-prettier turns off
// every rule the two could disagree on.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'bench/results/', 'test/artifacts/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A rest sibling is how we drop fields from a copy: `const { id, ...rest } = row`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      // An async method without await still turns a throw into a rejection, and implements a Promise-returning interface.
      '@typescript-eslint/require-await': 'off',
      // Nest hands statuses over as numbers and names them with the HttpStatus enum; comparing the two is the idiom.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      // Ids and variant names reject control characters on purpose, so the patterns name them.
      'no-control-regex': 'off',
      // node:test's describe() and it() return promises the runner itself waits for.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test'] }] },
      ],
    },
  },
  {
    // Tests read response bodies (supertest's res.body is any) and the assertions are their type check.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Node scripts and this file: plain JavaScript, outside the TypeScript project.
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
  {
    // The knex CLI's knexfile, which requires the compiled service.
    files: ['config/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    // The browser dashboard, served as it is; `tsc -p dashboard/tsconfig.json` checks its JSDoc types.
    files: ['dashboard/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
  prettier,
);
