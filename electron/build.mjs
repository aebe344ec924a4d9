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
  external: ['electron', '@napi-rs/keyring', 'cpu-features', 'ssh2/lib/protocol/crypto/build/Release/sshcrypto.node'],
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs' });
await build({ ...common, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs' });
