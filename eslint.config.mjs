// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '.cache/**', '.demo/**', '.test-runs/**', 'reports/**', '.stryker-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.name='exec'], CallExpression[callee.property.name='execSync']",
        message: 'Run processes through src/core/exec.ts with an argv array, never a shell string.',
      }],
    },
  },
  {
    // The core must run without an editor: no vscode import below src/core.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/core must not depend on VS Code; pass what it needs through an interface.' }],
        patterns: [{ group: ['**/vscode/**', '../vscode', '../vscode/*'], message: 'src/core must not import from src/vscode.' }],
      }],
    },
  },
  {
    files: ['scripts/**/*.mjs', 'scripts/**/*.js', 'eslint.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', URL: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable' } },
  },
);
