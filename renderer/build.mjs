// `node renderer/build.mjs [--out DIR]`: builds the console UI into dist/renderer/ (called by
// scripts/build.mjs), or into DIR (the tests build their own copy, so that a concurrent
// `npm run build` cannot pull the files from under a running test).
import { build } from 'vite';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

// The build users run, whoever calls this: vite takes NODE_ENV from the environment, and under
// vitest it is 'test', which bundled React's development build into the tests' copy (several
// times slower, so the tests measured another program).
process.env.NODE_ENV = 'production';
const at = process.argv.indexOf('--out');
const outDir = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : undefined;
await build({
  configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)),
  ...(outDir ? { build: { outDir, emptyOutDir: true } } : {}),
});
