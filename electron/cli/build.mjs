// Bundles the CLI: electron/cli/entry.ts → dist/cli/emberscope.cjs (CommonJS, platform node).
// Native modules stay external and are resolved from node_modules at run time.
//   node electron/cli/build.mjs
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBundleOptions } from '../../scripts/node-bundle.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

await build({
  ...nodeBundleOptions,
  entryPoints: [join(root, 'electron', 'cli', 'entry.ts')],
  outfile: join(root, 'dist', 'cli', 'emberscope.cjs'),
  target: 'node20',
});
