// esbuild options shared by the Node-side bundles of the desktop (the Electron shell, the CLI):
// CommonJS for platform node, native modules and Electron resolved at run time.
export const nodeBundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  sourcemap: true,
  legalComments: 'none',
  // ssh2's optional sshcrypto.node is left out: ssh2 then uses Node's own crypto.
  external: ['electron', '@napi-rs/keyring', 'cpu-features', '*.node'],
  // import.meta.url in ES-module sources: the bundle's own file URL.
  define: { 'import.meta.url': '__emberscopeImportMetaUrl' },
  banner: { js: "const __emberscopeImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};
