// gecko-profiler-demangle's `demangle_any` (the Firefox Profiler's WebAssembly build of the
// cpp_demangle and rustc-demangle crates), instantiated synchronously on first use and called
// through a small glue of our own. The package's glue targets bundlers: it imports the .wasm as
// an ES module (which Node 20 cannot without a flag, and a one-file bundle cannot at all) and
// caches one view of one instance's memory, so an instance that trapped could not be replaced.
// Our glue follows the same calling convention as the package's index_bg.js (0.4.0).
import { demanglerWasmBytes } from './demangler-wasm-bytes';

// The few WebAssembly JS API members used (the project's TypeScript libs do not declare them).
interface WasmTable {
  grow(delta: number): number;
  set(index: number, value: unknown): void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface DemanglerExports {
  memory: { buffer: ArrayBuffer };
  /** Takes ownership of the input; returns the output's pointer and length, for the caller to free. */
  demangle_any(ptr: number, len: number): [number, number];
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(ptr: number, size: number, align: number): void;
  __wbindgen_export_0: WasmTable;
  __wbindgen_start(): void;
}

let compiled: object | undefined;
let current: DemanglerExports | undefined;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });

function instantiate(): DemanglerExports {
  compiled ??= new wasmApi.Module(demanglerWasmBytes());
  const instance: { exports?: DemanglerExports } = {};
  const imports = {
    './index_bg.js': {
      // wasm-bindgen's externref table: slot 0 and the four constant slots it expects.
      __wbindgen_init_externref_table(): void {
        const table = instance.exports?.__wbindgen_export_0;
        if (!table) throw new Error('demangler: externref table initialised before instantiation');
        const offset = table.grow(4);
        table.set(0, undefined);
        table.set(offset + 0, undefined);
        table.set(offset + 1, null);
        table.set(offset + 2, true);
        table.set(offset + 3, false);
      },
    },
  };
  const exports = new wasmApi.Instance(compiled, imports).exports as DemanglerExports;
  instance.exports = exports;
  exports.__wbindgen_start();
  return exports;
}

/**
 * The library's demangling of `name`, or `name` itself when no demangler accepts it. Throws if
 * the WebAssembly traps (the instance is then dropped and the next call starts a fresh one) or
 * cannot be compiled.
 */
export function demangleAny(name: string): string {
  const wasm = (current ??= instantiate());
  try {
    const input = encoder.encode(name);
    const ptr = wasm.__wbindgen_malloc(input.length, 1);
    new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
    const [outPtr, outLen] = wasm.demangle_any(ptr, input.length);
    try {
      return decoder.decode(new Uint8Array(wasm.memory.buffer, outPtr, outLen));
    } finally {
      wasm.__wbindgen_free(outPtr, outLen, 1);
    }
  } catch (e) {
    current = undefined;
    throw e;
  }
}

/** Bytes of linear memory the current instance holds (0 before first use). */
export function demanglerMemoryBytes(): number {
  return current?.memory.buffer.byteLength ?? 0;
}
