// The demangler as the agent bundle carries it: bundled by esbuild with agent-remote/build.mjs's
// own plugin (the WebAssembly inlined), copied to a directory with no node_modules, run by this
// node. Proves the one uploaded file needs nothing beside it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'emberscope-demangle-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CASES: [string, string][] = [
  ['_ZN3foo3barEv', 'foo::bar()'],
  ['_ZL12subQuickSortPciiiPFiPKvS1_S1_ES1_PvS4_', 'subQuickSort(char*, int, int, int, int (*)(void const*, void const*, void const*), void const*, void*, void*)'],
  ['_RNqCs4fqI2P2rA04_11utf8_identsu30____7hkackfecea1cbdathfdh9hlq6y', 'utf8_idents::საჭმელად_გემრიელი_სადილი'],
  ['_ZN4core3fmt9Formatter3pad17h1234567890abcdefE', 'core::fmt::Formatter::pad'],
  ['_Zgarbage', '_Zgarbage'],
];

describe('demangle in a one-file bundle', () => {
  it('loads the inlined WebAssembly synchronously and demangles with nothing beside the file', async () => {
    const buildMjs = pathToFileURL(resolve(here, '..', '..', 'build.mjs')).href;
    const { inlineDemanglerWasm } = (await import(buildMjs)) as { inlineDemanglerWasm: Plugin };
    const outfile = join(dir, 'probe.cjs');
    await build({
      stdin: {
        contents: `const { demangle } = require('./demangle');\nprocess.stdout.write(JSON.stringify(JSON.parse(process.argv[2]).map((s) => demangle(s))));`,
        resolveDir: here,
        loader: 'js',
      },
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node18',
      format: 'cjs',
      minify: true,
      logLevel: 'error',
      plugins: [inlineDemanglerWasm],
    });
    expect(readFileSync(outfile, 'utf8')).not.toContain('index_bg.wasm');
    const out = execFileSync(process.execPath, [outfile, JSON.stringify(CASES.map(([m]) => m))], { cwd: dir, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual(CASES.map(([, d]) => d));
  });
});
