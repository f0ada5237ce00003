// ESLint: typescript-eslint with type information, React hooks, and the import boundaries between
// the page (src/), the workers (workers/) and the code both share (src/shared/).
import Module from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

// The project compiles with TypeScript 7 (the native `tsc`), which has no JavaScript API yet, so
// typescript-eslint gets TypeScript 6 (the same language, installed as `typescript-for-lint`).
// Every `require('typescript')` made while linting is sent there; this must run before
// typescript-eslint is loaded, hence the dynamic import below.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const to = /^typescript($|\/)/.test(request)
    ? request.replace('typescript', 'typescript-for-lint')
    : request;
  return resolveFilename.call(this, to, ...rest);
};
const { default: tseslint } = await import('typescript-eslint');

const TS = ['**/*.ts', '**/*.tsx'];

/** Import boundaries (README "Folders"): each entry is one folder's rule. */
const boundary = {
  // A worker runs in its own thread with its own bundle: it may use workers/** and src/shared/**.
  workers: {
    regex: '(^|/)src/(?!shared/)',
    message: 'workers/** may import only workers/** and src/shared/** (move shared code to src/shared).',
  },
  // The page reaches a worker only through `new URL('…worker.ts', import.meta.url)` and types.
  page: {
    regex: '(^|/)workers/',
    allowTypeImports: true,
    message:
      'The page may reach workers/** only through new URL(…, import.meta.url) or `import type`; put shared runtime values in src/shared.',
  },
  // A feature reaches another feature only through its index.ts, and never the app (issue 23).
  features: {
    regex: '^\\.\\./[^./][^/]*/',
    message:
      'A feature may import another feature only through its index.ts (`../queue`, not `../queue/types`).',
  },
  featuresNotApp: {
    regex: '^\\.\\./\\.\\./app(/|$)',
    message: 'Features do not import src/app: take what you need as props.',
  },
  // The `jingjie` CLI runs the workers' pipeline in Node: never the page (React, DOM).
  cli: {
    regex: '(^|/)src/(?!shared/)',
    message: 'cli/** may import only cli/**, workers/** (the pipeline) and src/shared/**.',
  },
  // The embeddable package (issue 24) is built on the engine API and the shared contracts only:
  // no React, no app state (src/app, src/features, src/i18n, src/storage, src/ui).
  lib: {
    regex: '(^|/)src/(?!engine(/|$)|shared/)',
    message: 'lib/** may import only src/engine and src/shared/** (no React, no app code).',
  },
  // src/shared/** is imported by both sides, so it imports nothing else from the project.
  shared: {
    regex: '^\\.\\./',
    message: 'src/shared/** imports nothing from the rest of the project.',
  },
};
const restrict = (...patterns) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'cli/dist/',
      'dist-lib/',
      'node_modules/',
      'public/',
      'test-results/',
      'playwright-report/',
      'bench-results/',
      'test/fixtures/',
      '.scratch/',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  {
    files: TS,
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // One TypeScript project per runtime; the project service finds each file's tsconfig.
        // Root config files belong to no project and get test/tsconfig.json's options.
        projectService: {
          allowDefaultProject: ['*.config.ts'],
          defaultProject: 'test/tsconfig.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Our APIs are objects of closures (useI18n(), the queue, Comlink proxies), never `this`
      // methods, so destructuring them is safe; the rule cannot tell them from class methods.
      '@typescript-eslint/unbound-method': 'off',
      // An `async` function with no `await` is how a fake or a sync path implements a
      // Promise-returning contract; no-floating-promises and no-misused-promises stay on.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    // The two classic hook rules. The plugin's React Compiler rules (refs, set-state-in-effect,
    // …) judge code written for the compiler, which Jingjie does not use.
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Codes, not sentences, cross module boundaries (issue 12): no code decides anything by
    // reading an error's message text. Branch on `name` (an ErrorName) or a code instead.
    files: ['src/**/*.{ts,tsx}', 'workers/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(includes|startsWith|endsWith|match|matchAll|search|indexOf)$/][callee.object.property.name=/^(message|what|reason|notice)$/]',
          message:
            'Do not branch on message text: carry a code (ErrorName, a notes/stop code) and test that.',
        },
        {
          selector:
            "CallExpression[callee.property.name='test'] > MemberExpression.arguments[property.name=/^(message|what|reason|notice)$/]",
          message:
            'Do not branch on message text: carry a code (ErrorName, a notes/stop code) and test that.',
        },
      ],
    },
  },
  { files: ['workers/**/*.ts'], languageOptions: { globals: globals.worker } },
  { files: ['workers/sw/**/*.ts'], languageOptions: { globals: globals.serviceworker } },
  {
    files: ['**/*.{js,mjs}', '*.config.ts', 'test/**/*.ts', 'scripts/**', 'cli/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  { files: ['test/e2e/**/*.ts', 'test/bench/**/*.ts'], languageOptions: { globals: globals.browser } },
  // The package's example sites: page scripts (.js), their servers are .mjs.
  { files: ['examples/**/*.js'], languageOptions: { globals: globals.browser } },
  // Boundaries.
  { files: ['workers/**/*.ts'], rules: restrict(boundary.workers) },
  { files: ['cli/**/*.ts'], rules: restrict(boundary.cli) },
  { files: ['src/**/*.{ts,tsx}'], ignores: ['src/shared/**'], rules: restrict(boundary.page) },
  { files: ['src/shared/**/*.ts'], rules: restrict(boundary.shared) },
  { files: ['lib/**/*.ts'], languageOptions: { globals: globals.browser } },
  { files: ['lib/**/*.ts'], rules: restrict(boundary.page, boundary.lib) },
  {
    files: ['src/features/**/*.{ts,tsx}'],
    rules: restrict(boundary.page, boundary.features, boundary.featuresNotApp),
  },
);
