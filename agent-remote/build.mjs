// Bundles the host agent into one CommonJS file for Node 18+: dist/agent/agent.cjs.
// No native modules; nothing is loaded dynamically at run time.
//   node agent-remote/build.mjs [--outdir DIR] [--sourcemap]
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');

// grpc-js requires @grpc/proto-loader lazily, only for channelz and ORCA, which the agent never
// enables: leave it (and protobufjs) out, so nothing in the bundle loads .proto files at run time.
const noProtoLoader = {
  name: 'no-proto-loader',
  setup(b) {
    b.onResolve({ filter: /^@grpc\/proto-loader$/ }, () => ({ path: 'proto-loader', namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: 'module.exports = { loadSync() { throw new Error("@grpc/proto-loader is not bundled in the Emberscope agent"); } };',
      loader: 'js',
    }));
  },
};

// The demangler's WebAssembly (gecko-profiler-demangle, 523 kB) goes inside agent.cjs, since the
// deploy uploads and checks one file: brotli-compressed and base64-encoded (143 kB), unpacked
// synchronously the first time a symbol needs it (symbolize/demangler-wasm-bytes.ts reads it from
// node_modules when run from source).
export const inlineDemanglerWasm = {
  name: 'inline-demangler-wasm',
  setup(b) {
    b.onLoad({ filter: /[\\/]symbolize[\\/]demangler-wasm-bytes\.ts$/ }, () => {
      const wasm = readFileSync(createRequire(import.meta.url).resolve('gecko-profiler-demangle/index_bg.wasm'));
      const packed = brotliCompressSync(wasm, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: wasm.length } });
      return {
        contents: [
          "import { brotliDecompressSync } from 'node:zlib';",
          `const packed = ${JSON.stringify(packed.toString('base64'))};`,
          "export function demanglerWasmBytes() { return brotliDecompressSync(Buffer.from(packed, 'base64')); }",
        ].join('\n'),
        loader: 'js',
      };
    });
  },
};

// xz-decompress's WebAssembly (symbolize/xz.ts, MiniDebugInfo): the package ships it base64-encoded
// inside its JS file; the bundle carries the same base64 and decodes it on first use.
export const inlineXzWasm = {
  name: 'inline-xz-wasm',
  setup(b) {
    b.onLoad({ filter: /[\\/]symbolize[\\/]xz-wasm-bytes\.ts$/ }, () => {
      const js = readFileSync(createRequire(import.meta.url).resolve('xz-decompress/dist/package/xz-decompress.js'), 'latin1');
      const m = /data:application\/wasm;base64,([A-Za-z0-9+/=]+)/.exec(js);
      if (!m) throw new Error('xz-decompress: no WebAssembly found in its package');
      return {
        contents: `const b64 = ${JSON.stringify(m[1])};\nexport function xzWasmBytes() { return Buffer.from(b64, 'base64'); }`,
        loader: 'js',
      };
    });
  },
};

export async function buildAgent({ outdir = join(root, 'dist', 'agent'), sourcemap = false, minify = true } = {}) {
  const outfile = join(outdir, 'agent.cjs');
  const result = await build({
    entryPoints: [join(here, 'src', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'cjs',
    minify,
    sourcemap,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    banner: { js: '#!/usr/bin/env node\n// Emberscope host agent (bundled). See agent-remote/ in the Emberscope repository.' },
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [noProtoLoader, inlineDemanglerWasm, inlineXzWasm],
  });
  const bytes = readFileSync(outfile);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return { outfile, bytes: bytes.length, sha256, inputs: Object.keys(result.metafile.inputs).length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--outdir');
  const outdir = i >= 0 ? resolve(args[i + 1]) : undefined;
  buildAgent({ outdir, sourcemap: args.includes('--sourcemap') }).then(
    (r) => console.log(`${r.outfile}: ${r.bytes} bytes, sha256 ${r.sha256}`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
