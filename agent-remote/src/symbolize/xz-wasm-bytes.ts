// xz-decompress's WebAssembly (xz-embedded, built by the package and shipped base64-encoded inside
// its JS file). Run from source (tests, tsx) it is read from node_modules; agent-remote/build.mjs
// replaces this module in the agent bundle by one that carries the bytes inline (one-file deploy).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export function xzWasmBytes(): Uint8Array {
  const js = readFileSync(createRequire(import.meta.url).resolve('xz-decompress/dist/package/xz-decompress.js'), 'latin1');
  const m = /data:application\/wasm;base64,([A-Za-z0-9+/=]+)/.exec(js);
  if (!m?.[1]) throw new Error('xz-decompress: no WebAssembly found in its package');
  return Buffer.from(m[1], 'base64');
}
