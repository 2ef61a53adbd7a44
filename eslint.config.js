// `npm run lint` part 1: typescript-eslint's type-aware recommended rules over the whole project,
// plus the purity of the conversation engine (ARCHITECTURE §5). Imports are dependency-cruiser's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const PURE = 'src/graph is pure (ARCHITECTURE §5)';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.ci/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.cjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A leading underscore marks a parameter a signature requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['src/graph/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'AwaitExpression, ForOfStatement[await=true], :function[async=true]',
          message: `${PURE}: it awaits nothing; it declares effects and the pipeline performs them.`,
        },
        { selector: "MemberExpression[object.name='Date'][property.name='now']", message: `${PURE}: no wall clock; use the context's \`now\`.` },
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0], CallExpression[callee.name='Date']",
          message: `${PURE}: no wall clock; use the context's \`now\`.`,
        },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: `${PURE}: no randomness.` },
      ],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'performance', 'process', 'crypto'].map((name) => ({
          name,
          message: `${PURE}: no timers, I/O or process state.`,
        })),
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // Tests read JSON answers (`any`) and assert on them at run time: typing every body would add
    // casts without adding safety. Their fakes stand in for async peers: an `async` method without
    // `await` keeps a fake's throw a rejection, as the real peer's would be. Everything else applies.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
);
