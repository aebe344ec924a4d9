// Synchronous .xz decoding for MiniDebugInfo, over xz-decompress's WebAssembly build of
// xz-embedded (create_context / supply_input / get_next_output). The package's own glue is a
// WHATWG ReadableStream (async only), and the symbolizer resolves frames synchronously, so we
// drive the same exports with a small glue of our own (same calling convention as the package's
// XzContext, 0.2.3). Memory is bounded: xz-embedded caps the dictionary at 64 MiB (the package
// builds it with xz_dec_init(XZ_DYNALLOC, 1 << 26)), the output at `maxOutput` here; the
// stream's CRC32/CRC64 check is verified by xz-embedded.
import { xzWasmBytes } from './xz-wasm-bytes';

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface XzExports {
  memory: { buffer: ArrayBuffer };
  create_context(): number;
  destroy_context(ptr: number): void;
  supply_input(ptr: number, len: number): void;
  get_next_output(ptr: number): number;
}

const XZ_OK = 0;
const XZ_STREAM_END = 1;

export class XzError extends Error {
  constructor(
    readonly code: 'XZ_CORRUPT' | 'XZ_TOO_LARGE' | 'XZ_TRUNCATED',
    message: string,
  ) {
    super(message);
  }
}

let compiled: object | undefined;
let instance: XzExports | undefined;

function exportsOf(): XzExports {
  compiled ??= new wasmApi.Module(xzWasmBytes());
  instance ??= new wasmApi.Instance(compiled, {}).exports as XzExports;
  return instance;
}

/** Decodes one .xz stream; throws XzError on corrupt input or output over `maxOutput` bytes. */
export function xzDecompressSync(input: Uint8Array, maxOutput: number): Uint8Array {
  const x = exportsOf();
  const ptr = x.create_context();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ok = false;
  try {
    // Context layout (xz-decompress.h): u32 bufsize, in*, in_pos, in_size, out*, out_pos.
    const mem32 = (): Uint32Array => new Uint32Array(x.memory.buffer, ptr, 6);
    const bufSize = mem32()[0] ?? 0;
    const inPtr = mem32()[1] ?? 0;
    const outPtr = mem32()[4] ?? 0;
    let at = 0;
    for (;;) {
      const m = mem32();
      let dry = false;
      if (m[2] === m[3]) {
        // Needs input (in_pos == in_size): the next chunk, or none left.
        const n = Math.min(bufSize, input.byteLength - at);
        dry = n <= 0;
        new Uint8Array(x.memory.buffer, inPtr, bufSize).set(input.subarray(at, at + Math.max(n, 0)));
        x.supply_input(ptr, Math.max(n, 0));
        at += Math.max(n, 0);
      }
      const rc = x.get_next_output(ptr);
      if (rc !== XZ_OK && rc !== XZ_STREAM_END) throw new XzError('XZ_CORRUPT', `not a valid xz stream (xz-embedded error ${rc})`);
      const outPos = mem32()[5] ?? 0;
      if (dry && outPos === 0 && rc !== XZ_STREAM_END) throw new XzError('XZ_TRUNCATED', 'the compressed data ends before the xz stream does');
      total += outPos;
      if (total > maxOutput) throw new XzError('XZ_TOO_LARGE', `decompresses to more than ${maxOutput} bytes`);
      chunks.push(new Uint8Array(x.memory.buffer, outPtr, outPos).slice());
      mem32()[5] = 0;
      if (rc === XZ_STREAM_END) break;
    }
    ok = true;
  } finally {
    x.destroy_context(ptr);
    if (!ok) instance = undefined; // a trapped instance is not reused
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}
