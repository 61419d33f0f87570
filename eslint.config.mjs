import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const adapterLibraries = ['botbuilder', 'botbuilder-*', 'botframework-*', 'restify', '@azure/*', '@slack/*', 'better-sqlite3', 'pino', 'fs', 'node:*', 'http', 'https', 'path'];

const botbuilderOnlyInTeams = { group: ['botbuilder', 'botbuilder-*', 'botframework-*'], message: 'botbuilder belongs to src/channels/teams only.' };
const boltOnlyInSlack = { group: ['@slack/*'], message: 'Bolt belongs to src/channels/slack only.' };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // botbuilder's support has ended: it stays in the Teams channel (and the composition root), so a move
  // to the Microsoft 365 Agents SDK touches one folder. Bolt stays in the Slack channel the same way.
  { files: ['src/**/*.ts'], ignores: ['src/channels/**', 'src/app.ts', 'src/app-parts.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [botbuilderOnlyInTeams, boltOnlyInSlack] }] } },
  { files: ['src/channels/slack/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [botbuilderOnlyInTeams] }] } },
  { files: ['src/channels/teams/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [boltOnlyInSlack] }] } },
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
    // The layers, by where a file imports from (see README "Architecture"). Only the composition
    // root (app.ts, main.ts) and the module wiring know every layer.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src', from: ['./dev', './test', './scripts', './bench'], message: 'the production build never imports dev tools (the ARM simulator), tests, scripts or benchmarks.' },
            { target: './src/core', from: './src', except: ['./core'], message: 'src/core is pure domain: it imports nothing outside src/core.' },
            { target: './src/features', from: ['./src/channels', './src/server', './src/storage', './src/azure', './src/alerts', './src/remediation', './src/app.ts', './src/app-parts.ts', './src/main.ts'], message: 'features are channel-neutral use cases: core and ports only.' },
            { target: './src/channels/teams', from: './src/channels/slack', message: 'a channel never imports another channel.' },
            { target: './src/channels/slack', from: './src/channels/teams', message: 'a channel never imports another channel.' },
            { target: ['./src/server', './src/storage', './src/azure', './src/alerts', './src/remediation'], from: './src/channels', message: 'only the channels and src/app.ts know a channel: the rest reaches one through ports the app wires.' },
          ],
        },
      ],
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
