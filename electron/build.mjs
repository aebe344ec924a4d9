// Bundles the Electron shell: the main process and the sandboxed preload (CommonJS: a sandboxed
// preload cannot load ES modules) into dist/electron/.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  sourcemap: true,
  legalComments: 'none',
  // Native modules and Electron itself are resolved at run time.
  // ssh2's optional sshcrypto.node is left out: ssh2 then uses Node's own crypto.
  external: ['electron', '@napi-rs/keyring', 'cpu-features', '*.node'],
  // import.meta.url in ES-module sources: the bundle's own file URL.
  define: { 'import.meta.url': '__emberscopeImportMetaUrl' },
  banner: { js: "const __emberscopeImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' });
await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
