import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test/fixtures/cache/**', 'bench/cache/**', '.vscode-host/**', 'artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The host-test scripts are plain CommonJS run by Node.
    files: ['scripts/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Functions these scripts hand to page.evaluate/waitForFunction run in the browser.
    files: ['scripts/vscode-host/ui-e2e.js', 'scripts/vscode-host/sector-bench.js'],
    languageOptions: { globals: { document: 'readonly', performance: 'readonly', requestAnimationFrame: 'readonly', Event: 'readonly', KeyboardEvent: 'readonly', WheelEvent: 'readonly' } },
  },
  {
    // Code shape (issue 11): a file holds one concept, a function one step. A file or function
    // over these needs its reason written where it is (an eslint-disable comment with the reason).
    files: ['src/**/*.ts', 'media/src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 500 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'src/engine is a pure library: it never imports vscode.' }] }],
    },
  },
);
