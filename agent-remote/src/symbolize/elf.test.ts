import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtures, goSymbolAddress, symbolAddress, type Fixtures } from '../../test/helpers';
import { ElfFile, bufferSource, elfEvidence, fileSource, lookupSymbol } from './elf';
import { findPclntabByMagic, lookupGoFunc } from './gopclntab';
import { loadBinary, resolveInBinary } from './symbolizer';

let fx: Fixtures;
beforeAll(() => {
  fx = buildFixtures({ go: true });
}, 120_000);
afterAll(() => fx?.cleanup());

function fileOffsetOf(binary: string, vaddr: number): number {
  const elf = new ElfFile(fileSource(binary));
  try {
    const seg = elf.segments.find((p) => p.type === 1 && vaddr >= p.vaddr && vaddr < p.vaddr + p.memsz);
    if (!seg) throw new Error('no segment');
    return vaddr - seg.vaddr + seg.offset;
  } finally {
    elf.close();
  }
}

describe('ELF reader', () => {
  it('reads the build id like readelf', () => {
    const elf = new ElfFile(fileSource(fx.prog));
    const expected = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', fx.prog], { encoding: 'utf8' }))?.[1];
    expect(elf.buildId()).toBe(expected);
    elf.close();
  });

  it('finds functions in .symtab, mid-function addresses included', () => {
    const elf = new ElfFile(fileSource(fx.prog));
    const t = elf.functionSymbols();
    elf.close();
    for (const name of ['fixture_alpha', 'fixture_beta', 'main']) {
      const a = symbolAddress(fx.prog, name);
      expect(t.name(lookupSymbol(t, a))).toBe(name);
      expect(t.name(lookupSymbol(t, a + 5))).toBe(name);
    }
  });

  it('symbolizes a stripped binary through .dynsym, with demangling', () => {
    const info = loadBinary(fx.progStripped, fx.progStripped, false);
    expect(info.ok).toBe(true);
    const elf = new ElfFile(fileSource(fx.progStripped));
    expect(elf.hasSection('.symtab')).toBe(false);
    elf.close();
    const a = symbolAddress(fx.prog, 'fixture_alpha'); // same code layout? no: use dynamic symbols
    expect(a).toBeGreaterThan(0);
    const dyn = execFileSync('nm', ['-D', '--defined-only', fx.progStripped], { encoding: 'utf8' });
    const addr = (name: string): number => parseInt(dyn.split('\n').find((l) => l.endsWith(` ${name}`))?.split(' ')[0] ?? 'x', 16);
    const f = resolveInBinary(info, fx.progStripped, fileOffsetOf(fx.progStripped, addr('fixture_beta') + 3));
    expect(f).toMatchObject({ name: 'fixture_beta', status: 'symbolized', kind: 'user' });
    const g = resolveInBinary(info, fx.progStripped, fileOffsetOf(fx.progStripped, addr('_ZN7fixture5Gamma3runEi')));
    expect(g).toMatchObject({ name: 'fixture::Gamma::run(int)', mangled: '_ZN7fixture5Gamma3runEi' });
  });

  it('reports no-symbols (with module+offset) for a fully stripped binary', () => {
    const info = loadBinary(fx.progBare, fx.progBare, false);
    const f = resolveInBinary(info, fx.progBare, 0x1139);
    expect(f.status).toBe('no-symbols');
    expect(f.name).toBe('prog-bare+0x1139');
  });

  it('resolves libc exports', () => {
    const libc = '/lib/x86_64-linux-gnu/libc.so.6';
    const info = loadBinary(libc, libc, false);
    const dyn = execFileSync('nm', ['-D', '--defined-only', libc], { encoding: 'utf8' });
    const line = dyn.split('\n').find((l) => / T malloc(@|$)/.test(l));
    const a = parseInt(line?.split(' ')[0] ?? '0', 16);
    expect(resolveInBinary(info, libc, fileOffsetOf(libc, a + 1)).name).toBe('malloc');
  });

  it('reads Go function names from .gopclntab, also in a stripped (-s -w) build', () => {
    for (const bin of [fx.go ?? '', fx.goStripped ?? '']) {
      const info = loadBinary(bin, bin, false);
      expect(info.go).toBeDefined();
      for (const name of ['main.hotParse', 'main.hotCompress', 'main.hotVerifyToken']) {
        const a = goSymbolAddress(fx.go ?? '', name); // same build: same addresses
        const f = resolveInBinary(info, bin, fileOffsetOf(bin, a + 4));
        expect(f).toMatchObject({ name, status: 'symbolized' });
      }
    }
  });

  it('finds the pclntab by its magic when the section table does not help', () => {
    const bytes = readFileSync(fx.goStripped ?? '');
    const t = findPclntabByMagic(bytes, 0);
    expect(t?.version).toBe('go1.18');
    const a = goSymbolAddress(fx.go ?? '', 'main.hotParse');
    expect(t && t.name(lookupGoFunc(t, a + 2))).toBe('main.hotParse');
  });

  it('reports DWARF and build paths as Posture evidence', () => {
    const withDebug = elfEvidence(new ElfFile(fileSource(fx.prog)));
    expect(withDebug.hasDwarf).toBe(true);
    // gcc records the source file and its working directory, wherever the checkout lives.
    expect(withDebug.buildPaths, JSON.stringify(withDebug.buildPaths)).toContain(fx.progSource);
    expect(withDebug.buildPaths).toContain(process.cwd());
    expect(withDebug.buildPaths.filter((p) => p.startsWith('/usr/include/'))).toEqual([]);
    const stripped = elfEvidence(new ElfFile(fileSource(fx.progStripped)));
    expect(stripped.hasDwarf).toBe(false);
    expect(stripped.hasSymtab).toBe(false);
    expect(stripped.hasDynsym).toBe(true);
  });

  it('rejects what is not a 64-bit little-endian ELF', () => {
    expect(() => new ElfFile(bufferSource(new Uint8Array(100)))).toThrow(/not an ELF/);
    const h = new Uint8Array(64);
    h.set([0x7f, 0x45, 0x4c, 0x46, 1, 1]);
    expect(() => new ElfFile(bufferSource(h))).toThrow(/64-bit/);
  });

  it('survives corrupted ELF files without throwing anything but errors', () => {
    const orig = readFileSync(fx.progStripped);
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let k = 0; k < 200; k++) {
      const b = Uint8Array.from(orig);
      for (let j = 0; j < 20; j++) b[64 + (rnd() % 4000)] = rnd() & 0xff;
      try {
        const elf = new ElfFile(bufferSource(b));
        elf.functionSymbols();
        elf.buildId();
        elf.goFunctions();
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
      }
    }
  });
});
