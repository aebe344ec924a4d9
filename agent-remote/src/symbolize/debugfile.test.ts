// Debug files on the host, against real files: a C program built here and split the way
// distributions do (objcopy --only-keep-debug + --add-gnu-debuglink; Fedora's MiniDebugInfo with
// objcopy + xz), and libc6-dbg's real debug file for the system libc (scripts/install-system-deps).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crc32, findDebugFile, resolveUnder } from './debugfile';
import { ElfFile, fileSource } from './elf';
import { loadBinary, resolveInBinary, type LoadOptions } from './symbolizer';

const SRC = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
__attribute__((noinline)) static long hidden_sum(const char *s) { long t = 0; for (size_t i = 0; i < strlen(s); i++) t += s[i]; return t; }
__attribute__((noinline)) long exported_entry(int n) { char *p = malloc(64); snprintf(p, 64, "%d", n); long r = hidden_sum(p); free(p); return r; }
int main(int argc, char **argv) { (void)argv; printf("%ld\\n", exported_entry(argc)); return 0; }
`;

let dir: string;
const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', cwd: dir });

function addr(bin: string, name: string): number {
  const line = sh('nm', [bin]).split('\n').find((l) => l.endsWith(` ${name}`));
  if (!line) throw new Error(`${name} not in ${bin}`);
  return parseInt(line.split(' ')[0] ?? '', 16);
}

function fileOffset(bin: string, vaddr: number): number {
  const elf = new ElfFile(fileSource(bin));
  try {
    const seg = elf.segments.find((p) => p.type === 1 && vaddr >= p.vaddr && vaddr < p.vaddr + p.memsz);
    if (!seg) throw new Error('no segment');
    return vaddr - seg.vaddr + seg.offset;
  } finally {
    elf.close();
  }
}

function buildId(bin: string): string {
  return /Build ID: ([0-9a-f]+)/.exec(sh('readelf', ['-n', bin]))?.[1] ?? '';
}

let unstripped: string;
let hiddenAt: number;
let exportedAt: number;
const none: LoadOptions = { root: '/', debugDirs: [], miniDebugInfo: false };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ember-debugfile-'));
  writeFileSync(join(dir, 'prog.c'), SRC);
  sh('gcc', ['-O1', '-g', '-fno-inline', '-Wl,--build-id', '-o', 'prog', 'prog.c']);
  unstripped = join(dir, 'prog');
  hiddenAt = addr(unstripped, 'hidden_sum');
  exportedAt = addr(unstripped, 'exported_entry');
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stripped copy in its own directory, and its only-keep-debug file, linked by .gnu_debuglink. */
function split(name: string): { bin: string; debug: string; sub: string } {
  const sub = join(dir, name);
  mkdirSync(sub, { recursive: true });
  const bin = join(sub, 'prog');
  const debug = join(sub, 'prog.debug');
  sh('objcopy', ['--only-keep-debug', unstripped, debug]);
  sh('objcopy', ['--strip-all', `--add-gnu-debuglink=${debug}`, unstripped, bin]);
  return { bin, debug, sub };
}

describe('separate debug files', () => {
  it('names a static function of a stripped binary through .gnu_debuglink next to it (CRC checked), and says where the name came from', () => {
    const { bin } = split('next-to');
    const plain = loadBinary(bin, bin, false, none);
    const unnamed = resolveInBinary(plain, bin, fileOffset(bin, hiddenAt + 2));
    expect(unnamed.status).toBe('no-symbols');
    expect(unnamed.why).toBe('no-symbols');
    const info = loadBinary(bin, bin, false, { root: '/', debugDirs: [join(dir, 'nowhere')], miniDebugInfo: false });
    expect(info.debugFile).toBe(join(dir, 'next-to', 'prog.debug'));
    const f = resolveInBinary(info, bin, fileOffset(bin, hiddenAt + 2));
    expect([f.name, f.source]).toEqual(['hidden_sum', 'debug-file']);
    // exported_entry is in .dynsym? Not for an executable: also from the debug file.
    expect(resolveInBinary(info, bin, fileOffset(bin, exportedAt)).name).toBe('exported_entry');
  });

  it('finds the debug file in .debug/ and under the debug directory, and by build id', () => {
    const { bin, debug, sub } = split('dotdebug');
    mkdirSync(join(sub, '.debug'));
    copyFileSync(debug, join(sub, '.debug', 'prog.debug'));
    rmSync(debug);
    expect(loadBinary(bin, bin, false, { ...none, debugDirs: ['/nonexistent'] }).debugFile).toBe(join(sub, '.debug', 'prog.debug'));

    const s2 = split('debugdir');
    const ddir = join(dir, 'debugroot');
    mkdirSync(join(ddir, s2.sub), { recursive: true });
    copyFileSync(s2.debug, join(ddir, s2.sub, 'prog.debug'));
    rmSync(s2.debug);
    expect(loadBinary(s2.bin, s2.bin, false, { ...none, debugDirs: [ddir] }).debugFile).toBe(join(ddir, s2.sub, 'prog.debug'));

    const s3 = split('byid');
    const id = buildId(s3.bin);
    const idDir = join(dir, 'idroot');
    mkdirSync(join(idDir, '.build-id', id.slice(0, 2)), { recursive: true });
    const target = join(idDir, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`);
    copyFileSync(s3.debug, target);
    rmSync(s3.debug);
    // No debuglink needed on this path.
    sh('objcopy', ['--remove-section=.gnu_debuglink', s3.bin]);
    const info = loadBinary(s3.bin, s3.bin, false, { ...none, debugDirs: [idDir] });
    expect(info.debugFile).toBe(target);
    expect(resolveInBinary(info, s3.bin, fileOffset(s3.bin, hiddenAt)).source).toBe('debug-file');
  });

  it('ignores and counts a debug file of another build (build id) and one whose CRC differs', () => {
    const { bin, debug, sub } = split('mismatch');
    // Another build of the same program: other build id, same name next to the binary.
    writeFileSync(join(sub, 'other.c'), SRC.replace('t += s[i]', 't += s[i] * 3'));
    sh('gcc', ['-O1', '-g', '-fno-inline', '-Wl,--build-id', '-o', join(sub, 'other'), join(sub, 'other.c')]);
    sh('objcopy', ['--only-keep-debug', join(sub, 'other'), debug]);
    const info = loadBinary(bin, bin, false, { ...none, debugDirs: [join(dir, 'nowhere')] });
    expect(info.debugFile).toBe('');
    expect(info.debugBuildIdMismatch).toBe(1);
    const f = resolveInBinary(info, bin, fileOffset(bin, hiddenAt));
    expect([f.status, f.why]).toEqual(['no-symbols', 'build-id-mismatch']);

    // Same build id, other bytes (a section added): the debuglink's CRC tells.
    sh('objcopy', ['--only-keep-debug', unstripped, debug]);
    writeFileSync(join(sub, 'note'), 'x');
    sh('objcopy', ['--add-section', `.note.extra=${join(sub, 'note')}`, debug]);
    const again = loadBinary(bin, bin, false, { ...none, debugDirs: [join(dir, 'nowhere')] });
    expect([again.debugFile, again.debugCrcMismatch]).toEqual(['', 1]);
    expect(resolveInBinary(again, bin, fileOffset(bin, hiddenAt)).why).toBe('crc-mismatch');
  });

  it('resolves symlinks inside the root: an absolute link does not lead out of it', () => {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'usr', 'lib', 'debug'), { recursive: true });
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc', 'inside'), 'in');
    symlinkSync('/etc/inside', join(root, 'usr', 'lib', 'debug', 'abs'));
    symlinkSync('../../../../../../../../etc/inside', join(root, 'usr', 'lib', 'debug', 'rel'));
    expect(resolveUnder(root, '/usr/lib/debug/abs')).toBe(join(root, 'etc', 'inside'));
    expect(resolveUnder(root, '/usr/lib/debug/rel')).toBe(join(root, 'etc', 'inside'));
    expect(resolveUnder(root, '/usr/lib/debug/../../../../../etc/passwd')).toBeUndefined();
    expect(resolveUnder('/', '/usr/../etc/passwd')).toBe('/etc/passwd');

    // A debug file found by build id through a link that points outside the root: not followed out.
    const { bin, debug } = split('escape');
    const id = buildId(bin);
    const idDir = join(root, 'usr', 'lib', 'debug', '.build-id', id.slice(0, 2));
    mkdirSync(idDir, { recursive: true });
    symlinkSync(debug, join(idDir, `${id.slice(2)}.debug`)); // absolute host path: inside root it does not exist
    const r = findDebugFile({ root, binaryPath: '/prog', buildId: id, link: undefined });
    expect(r.symbols).toBeUndefined();
  });

  it('computes the CRC32 gdb uses', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('MiniDebugInfo', () => {
  it('names static functions of a binary built the way Fedora does (objcopy + xz into .gnu_debugdata)', () => {
    const sub = join(dir, 'mini');
    mkdirSync(sub);
    const bin = join(sub, 'prog');
    const dyn = sh('nm', ['-D', unstripped, '--format=posix', '--defined-only']).split('\n').map((l) => l.split(' ')[0]).filter(Boolean).sort();
    const funcs = sh('nm', [unstripped, '--format=posix', '--defined-only'])
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[1] === 'T' || f[1] === 't' || f[1] === 'D')
      .map((f) => f[0] ?? '')
      .sort();
    writeFileSync(join(sub, 'keep'), funcs.filter((f) => !dyn.includes(f)).join('\n') + '\n');
    sh('objcopy', ['--only-keep-debug', unstripped, join(sub, 'debug')]);
    sh('objcopy', ['-S', '--remove-section', '.gdb_index', '--remove-section', '.comment', `--keep-symbols=${join(sub, 'keep')}`, join(sub, 'debug'), join(sub, 'mini_debuginfo')]);
    sh('strip', ['--strip-all', '-R', '.comment', '-o', bin, unstripped]);
    sh('xz', ['-f', join(sub, 'mini_debuginfo')]);
    sh('objcopy', ['--add-section', `.gnu_debugdata=${join(sub, 'mini_debuginfo.xz')}`, bin]);

    expect(resolveInBinary(loadBinary(bin, bin, false, none), bin, fileOffset(bin, hiddenAt)).status).toBe('no-symbols');
    const info = loadBinary(bin, bin, false, { root: '/', debugDirs: [], miniDebugInfo: true });
    expect(info.miniDebugInfo).toBe(true);
    const f = resolveInBinary(info, bin, fileOffset(bin, hiddenAt + 1));
    expect([f.name, f.source]).toEqual(['hidden_sum', 'minidebuginfo']);

    // Corrupt xz: counted as an error, the binary still loads with its .dynsym.
    const bad = join(sub, 'bad');
    const packed = readFileSync(join(sub, 'mini_debuginfo.xz'));
    const mid = Math.floor(packed.length / 2);
    packed[mid] = (packed[mid] ?? 0) ^ 0x55;
    writeFileSync(join(sub, 'bad.xz'), packed);
    sh('strip', ['--strip-all', '-o', bad, unstripped]);
    sh('objcopy', ['--add-section', `.gnu_debugdata=${join(sub, 'bad.xz')}`, bad]);
    const broken = loadBinary(bad, bad, false, { root: '/', debugDirs: [], miniDebugInfo: true });
    expect(broken.ok).toBe(true);
    expect(broken.miniDebugInfo).toBe(false);
    expect(broken.miniDebugInfoError).toMatch(/xz/);
  });
});

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
describe.runIf(existsSync(LIBC))('libc6-dbg (the system libc and its real debug file)', () => {
  it('names __libc_start_call_main like perf, and keeps .dynsym names at aliased addresses (malloc, not __libc_malloc)', () => {
    const id = buildId(LIBC);
    // scripts/install-system-deps installs libc6-dbg: without it this test fails rather than skips.
    expect(existsSync(`/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug`)).toBe(true);
    const info = loadBinary(LIBC, LIBC, false, { root: '/', debugDirs: ['/usr/lib/debug'], miniDebugInfo: true });
    expect(info.debugFile).toMatch(/\.build-id/);
    const dbg = info.debugFile;
    const start = addr(dbg, '__libc_start_call_main');
    const f = resolveInBinary(info, LIBC, fileOffset(LIBC, start + 0x10));
    expect([f.name, f.source]).toEqual(['__libc_start_call_main', 'debug-file']);
    const mallocAt = parseInt(sh('nm', ['-D', LIBC]).split('\n').find((l) => / malloc(@@\S+)?$/.test(l))?.split(' ')[0] ?? '', 16);
    const m = resolveInBinary(info, LIBC, fileOffset(LIBC, mallocAt + 4));
    expect([m.name, m.source]).toEqual(['malloc', 'dynsym']);
  });
});

describe('xz (MiniDebugInfo decoder)', () => {
  it('decodes what xz wrote, and refuses output over its bound and cut or corrupt streams', async () => {
    const { xzDecompressSync } = await import('./xz');
    const plain = Buffer.from('emberscope '.repeat(50_000));
    writeFileSync(join(dir, 'plain'), plain);
    sh('xz', ['-k', '-f', join(dir, 'plain')]);
    const packed = readFileSync(join(dir, 'plain.xz'));
    expect(Buffer.from(xzDecompressSync(packed, 1 << 20)).equals(plain)).toBe(true);
    expect(() => xzDecompressSync(packed, 100_000)).toThrow(/more than 100000 bytes/);
    expect(() => xzDecompressSync(packed.subarray(0, packed.length - 20), 1 << 20)).toThrow(/ends before|not a valid/);
    expect(() => xzDecompressSync(Buffer.from('not xz at all'), 1 << 20)).toThrow(/not a valid xz stream/);
  });
});
