// Lint rules, including the layering: core/ is pure and imports none of the other parts;
// renderer/ imports nothing of electron/: the API contract lives in core/api/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// A module name exactly (a relative path with a folder named util, like core/util/, is not Node's util).
const nodeBuiltins = `^(node:.*|fs|fs/.*|path|os|child_process|net|http|https|crypto|zlib|stream|events|util|worker_threads|dgram|tls|readline)$`;

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'build/**', 'bpf/.output/**', 'assets/**', 'core/protocol/generated/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['core/**/*.ts'],
    ignores: ['core/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/electron/**', '**/renderer/**', '**/agent-remote/**', 'electron'], message: 'core/ imports none of the other parts.' },
          { regex: nodeBuiltins, message: 'core/ is pure TypeScript: no I/O, no Node built-ins.' },
        ],
      }],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/electron/**'], message: 'renderer/ talks to the app only through the API contract in core/api/ (window.emberscope).' },
          { group: ['**/agent-remote/**', 'electron'], message: 'renderer/ does not reach the agent or Electron directly.' },
          { regex: nodeBuiltins, message: 'renderer/ runs sandboxed: no Node built-ins.' },
        ],
      }],
    },
  },
);
