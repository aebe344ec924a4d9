// `node renderer/build.mjs`: builds the console UI into dist/renderer/ (called by scripts/build.mjs).
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

await build({ configFile: fileURLToPath(new URL('./vite.config.ts', import.meta.url)) });
