// The demangler's WebAssembly (gecko-profiler-demangle/index_bg.wasm). Run from source (tests,
// tsx) it is read from node_modules; agent-remote/build.mjs replaces this module in the agent
// bundle by one that carries the bytes inline, because the deploy uploads one JS file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export function demanglerWasmBytes(): Uint8Array {
  return readFileSync(createRequire(import.meta.url).resolve('gecko-profiler-demangle/index_bg.wasm'));
}
