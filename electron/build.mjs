// Bundles the Electron shell: the main process and the sandboxed preload (CommonJS: a sandboxed
// preload cannot load ES modules) into dist/electron/.
import { build } from 'esbuild';
import { nodeBundleOptions } from '../scripts/node-bundle.mjs';

const common = { ...nodeBundleOptions, target: 'node22' };

await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' });
await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
