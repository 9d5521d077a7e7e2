// ESLint for the extension: typescript-eslint's type-checked recommended rules and a
// few stricter ones that catch real bugs. Layout is prettier's (`npm run format`).
//
// Which TypeScript the linter uses. The extension compiles with TypeScript 7 (the Go
// compiler): its npm package has no JavaScript compiler API. typescript-eslint 8 parses
// and type-checks through that API (`require('typescript')`, peer range <6.1); its tsgo
// backend needs TypeScript 7.1, which is not released. So ESLint alone gets TypeScript
// 6.0 (the last JavaScript release, with the same tsconfig semantics as 7), installed
// under the alias `typescript-for-eslint`. Before typescript-eslint loads, the module
// that `require('typescript')` resolves to is replaced in Node's require cache (a
// documented way to substitute a module) by that 6.0, for this ESLint process only.
// The typecheck, the bundle and the tests keep TypeScript 7. The `overrides` entry in
// package.json only lets npm install typescript-eslint next to TypeScript 7.0.2; it
// never loads 7. Drop both when typescript-eslint supports the TypeScript 7 npm package.
import js from '@eslint/js';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
require('typescript-for-eslint');
require.cache[require.resolve('typescript')] = require.cache[require.resolve('typescript-for-eslint')];
const { default: tseslint } = await import('typescript-eslint');

export default tseslint.config(
    { ignores: ['dist/', 'out/'] },
    js.configs.recommended,
    tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            // `void promise` marks a deliberate fire-and-forget (a message box nobody awaits);
            // node:test's describe/it return promises that its runner tracks itself.
            '@typescript-eslint/no-floating-promises': [
                'error',
                {
                    ignoreVoid: true,
                    allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it'] }],
                },
            ],
            '@typescript-eslint/no-misused-promises': 'error',
            '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
            '@typescript-eslint/switch-exhaustiveness-check': 'error',
            '@typescript-eslint/return-await': ['error', 'in-try-catch'],
            eqeqeq: 'error',
        },
    },
    {
        files: ['**/*.mjs'],
        extends: [tseslint.configs.disableTypeChecked],
    },
);
