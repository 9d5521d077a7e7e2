// Bundles src/extension.ts into dist/extension.js (esbuild, CommonJS, vscode external)
// and records the checkout it was built from, for the install hint in python.ts.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const extensionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
    entryPoints: [path.join(extensionDir, 'src', 'extension.ts')],
    outfile: path.join(extensionDir, 'dist', 'extension.js'),
    bundle: true,
    external: ['vscode'],
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    minify: true,
    sourcemap: true,
    define: { SCION_CHECKOUT: JSON.stringify(path.resolve(extensionDir, '..', '..')) },
    logLevel: 'warning',
});
