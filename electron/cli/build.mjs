// Bundles the CLI: electron/cli/entry.ts → dist/cli/emberscope.cjs (CommonJS, platform node).
// Native modules stay external and are resolved from node_modules at run time.
//   node electron/cli/build.mjs
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

await build({
  entryPoints: [join(root, 'electron', 'cli', 'entry.ts')],
  outfile: join(root, 'dist', 'cli', 'emberscope.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  legalComments: 'none',
  // ssh2's optional sshcrypto.node: not found from dist/, ssh2 then uses Node's crypto.
  external: ['electron', '@napi-rs/keyring', 'cpu-features', '*.node'],
  // import.meta.url in ES-module sources: the bundle's own file URL.
  define: { 'import.meta.url': '__emberscopeImportMetaUrl' },
  banner: { js: "const __emberscopeImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
