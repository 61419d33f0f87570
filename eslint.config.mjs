import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const adapterLibraries = ['botbuilder', 'botbuilder-*', 'botframework-*', 'restify', '@azure/*', '@slack/*', 'better-sqlite3', 'pino', 'fs', 'node:*', 'http', 'https', 'path'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain stays pure: no channel, Azure, HTTP or storage library, no I/O, no environment.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: adapterLibraries, message: 'src/core is pure domain: talk to the world through ports.' }] }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config.ts reads the environment.' }],
      'no-restricted-globals': ['error', { name: 'process', message: 'src/core does not touch the process.' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config.ts reads the environment.' }],
    },
  },
);
