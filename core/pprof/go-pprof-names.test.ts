// Frames the host left unnamed, exported and named later from a local copy of the binary, as
// pprof names its own profiles. Two readers: Go's `go tool pprof`, whose object reader names
// C code only from DWARF and reports no build id (so it never accepts a file found through
// PPROF_BINARY_PATH for a mapping with a build id: $GOROOT/src/cmd/pprof/pprof.go, BuildID),
// and upstream pprof (github.com/google/pprof), built here offline from the copy vendored in
// GOROOT, which searches PPROF_BINARY_PATH, checks build ids and names from the symbol table
// with binutils. The C program is built with gcc and read with readelf and nm, so that the
// test's facts come from other tools than ours. Tests may use Node; core code may not.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileBuilder } from '../profile/builder';
import { makeFrame, type Frame, type Profile } from '../profile/types';
import { decodePprof } from './decode';
import { encodePprof } from './encode';

const SOURCE = `
volatile unsigned long sink;
__attribute__((noinline)) void burn_cpu(void) { for (unsigned long i = 0; i < 100000000UL; i++) sink += i * i; }
__attribute__((noinline)) void idle_loop(void) { for (int i = 0; i < 1000; i++) sink ^= i; }
int main(void) { burn_cpu(); idle_loop(); return 0; }
`;

function findGo(): string {
  for (const candidate of ['/usr/bin/go', '/usr/lib/go/bin/go', '/usr/local/go/bin/go']) if (existsSync(candidate)) return candidate;
  throw new Error('go is not installed: run scripts/install-system-deps (Debian golang-go) to check pprof symbolization with `go tool pprof`');
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { env, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new Error(`${command} could not run (${result.error.message}): install build-essential and binutils`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${String(result.status)}): ${result.stderr}`);
  return result.stdout;
}

interface Binary {
  readonly path: string;
  readonly buildId: string;
  /** ELF virtual address of a symbol, what `nm` prints. */
  readonly symbol: (name: string) => bigint;
  /** File offset of a virtual address, through the PT_LOAD segment holding it (`readelf -l`). */
  readonly fileOffset: (vaddr: bigint) => bigint;
}

function readBinary(path: string): Binary {
  const buildId = /Build ID: ([0-9a-f]+)/.exec(run('readelf', ['-n', path]))?.[1];
  if (buildId === undefined) throw new Error(`${path} has no GNU build id`);
  const symbols = new Map<string, bigint>();
  for (const line of run('nm', [path]).split('\n')) {
    const m = /^([0-9a-f]+) [Tt] (\S+)$/.exec(line);
    if (m) symbols.set(m[2] as string, BigInt(`0x${m[1] as string}`));
  }
  const loads = [...run('readelf', ['-lW', path]).matchAll(/^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)/gm)].map((m) => ({
    offset: BigInt(m[1] as string),
    vaddr: BigInt(m[2] as string),
    size: BigInt(m[3] as string),
  }));
  return {
    path,
    buildId,
    symbol: (name) => {
      const at = symbols.get(name);
      if (at === undefined) throw new Error(`nm does not list ${name} in ${path}`);
      return at;
    },
    fileOffset: (vaddr) => {
      const load = loads.find((l) => vaddr >= l.vaddr && vaddr < l.vaddr + l.size);
      if (load === undefined) throw new Error(`no PT_LOAD segment of ${path} holds 0x${vaddr.toString(16)}`);
      return vaddr - load.vaddr + load.offset;
    },
  };
}

const hex = (n: bigint): string => `0x${n.toString(16)}`;

/** Where the binary lived on the host: nothing is there on this machine. */
const HOST_PATH = '/opt/emberscope-absent/bin/burner';

/**
 * Unnamed frames as the agent writes them for a stripped binary (resolveInBinary): the name
 * shows the file offset, the address is the ELF virtual address. One ip inside burn_cpu (60%),
 * one inside idle_loop (30%), under main; 10% in a named kernel frame, which must keep its name.
 */
function hostProfile(binary: Binary, modulePath = HOST_PATH): Profile {
  const unnamed = (symbol: string, delta: bigint): Frame => {
    const vaddr = binary.symbol(symbol) + delta;
    return makeFrame(`burner+${hex(binary.fileOffset(vaddr))}`, { module: modulePath, buildId: binary.buildId, address: hex(vaddr), status: 'no-symbols' });
  };
  const b = new ProfileBuilder({ hz: 100, startTimeMs: Date.UTC(2026, 0, 5), endTimeMs: Date.UTC(2026, 0, 5) + 10_000 });
  b.apply({
    newFrames: [
      { id: 0, frame: unnamed('main', 9n) },
      { id: 1, frame: unnamed('burn_cpu', 12n) },
      { id: 2, frame: unnamed('idle_loop', 8n) },
      { id: 3, frame: makeFrame('copy_user_generic', { kind: 'kernel', address: '0xffffffff81234567' }) },
    ],
    newStacks: [
      { id: 0, frames: [1, 0] },
      { id: 1, frames: [2, 0] },
      { id: 2, frames: [3, 1, 0] },
    ],
    counts: [
      { stackId: 0, comm: 'burner', pid: 7, tid: 7, count: 600 },
      { stackId: 1, comm: 'burner', pid: 7, tid: 7, count: 300 },
      { stackId: 2, comm: 'burner', pid: 7, tid: 7, count: 100 },
    ],
    stats: { samples: 1000, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } },
  });
  return b.snapshot();
}

let dir = '';
let pie: Binary;
let exec: Binary;
let withDwarf: Binary;
let stripped = '';
let upstreamPprof = '';

/** Upstream pprof's own command (a driver with its default binutils object tool), offline. */
function buildUpstreamPprof(): string {
  const vendor = join(run(findGo(), ['env', 'GOROOT']).trim(), 'src', 'cmd', 'vendor', 'github.com');
  const root = join(dir, 'upstream');
  cpSync(join(vendor, 'google', 'pprof'), join(root, 'pprof'), { recursive: true });
  cpSync(join(vendor, 'ianlancetaylor', 'demangle'), join(root, 'demangle'), { recursive: true });
  const demangle = 'github.com/ianlancetaylor/demangle';
  writeFileSync(join(root, 'demangle', 'go.mod'), `module ${demangle}\ngo 1.12\n`);
  writeFileSync(join(root, 'pprof', 'go.mod'), `module github.com/google/pprof\ngo 1.17\nrequire ${demangle} v0.0.0\nreplace ${demangle} => ../demangle\n`);
  mkdirSync(join(root, 'main'));
  writeFileSync(
    join(root, 'main', 'go.mod'),
    `module upstreampprof\ngo 1.17\nrequire (\n\tgithub.com/google/pprof v0.0.0\n\t${demangle} v0.0.0\n)\nreplace github.com/google/pprof => ../pprof\nreplace ${demangle} => ../demangle\n`,
  );
  writeFileSync(
    join(root, 'main', 'main.go'),
    'package main\n\nimport (\n\t"fmt"\n\t"os"\n\n\t"github.com/google/pprof/driver"\n)\n\nfunc main() {\n\tif err := driver.PProf(&driver.Options{}); err != nil {\n\t\tfmt.Fprintln(os.Stderr, err)\n\t\tos.Exit(2)\n\t}\n}\n',
  );
  const out = join(dir, 'pprof-upstream');
  const env = { ...process.env, HOME: dir, GOCACHE: join(dir, 'gocache'), GOPATH: join(dir, 'gopath'), GOPROXY: 'off', GOFLAGS: '-mod=mod', GOWORK: 'off', GOTOOLCHAIN: 'local' };
  const result = spawnSync(findGo(), ['build', '-o', out, '.'], { cwd: join(root, 'main'), env, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`building upstream pprof from GOROOT's vendored copy failed: ${result.stderr}`);
  return out;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'emberscope-pprof-names-'));
  writeFileSync(join(dir, 'burner.c'), SOURCE);
  const flags = ['-O0', '-fno-omit-frame-pointer', '-Wl,--build-id', join(dir, 'burner.c')];
  run('gcc', [...flags, '-fPIE', '-pie', '-o', join(dir, 'burner-pie')]);
  // A fixed-address executable: its virtual addresses (0x40xxxx) differ from its file offsets.
  run('gcc', [...flags, '-fno-PIE', '-no-pie', '-o', join(dir, 'burner-exec')]);
  run('gcc', [...flags, '-g', '-fno-PIE', '-no-pie', '-o', join(dir, 'burner-dwarf')]);
  pie = readBinary(join(dir, 'burner-pie'));
  exec = readBinary(join(dir, 'burner-exec'));
  withDwarf = readBinary(join(dir, 'burner-dwarf'));
  stripped = join(dir, 'burner-stripped');
  run('strip', ['-o', stripped, pie.path]);
  upstreamPprof = buildUpstreamPprof();
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** A PPROF_BINARY_PATH directory holding `file` at `relative`. */
function binaryDir(name: string, relative: string, file: string): string {
  const root = join(dir, name);
  mkdirSync(join(root, relative, '..'), { recursive: true });
  copyFileSync(file, join(root, relative));
  return root;
}

type Reader = 'go tool pprof' | 'upstream pprof';

function pprof(reader: Reader, bytes: Uint8Array, args: readonly string[], binaryPath?: string): { stdout: Buffer; stderr: string } {
  const file = join(dir, `p${Math.random().toString(16).slice(2)}.pb.gz`);
  writeFileSync(file, gzipSync(bytes));
  const { PPROF_BINARY_PATH: _inherited, ...rest } = process.env;
  const env = { ...rest, HOME: dir, PPROF_TMPDIR: dir, GOFLAGS: '', GOTOOLCHAIN: 'local', ...(binaryPath === undefined ? {} : { PPROF_BINARY_PATH: binaryPath }) };
  const [command, toolArgs] = reader === 'go tool pprof' ? [findGo(), ['tool', 'pprof']] : [upstreamPprof, []];
  const result = spawnSync(command, [...toolArgs, ...args, file], { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${reader} ${args.join(' ')} failed (${String(result.status)}): ${result.stderr.toString()}`);
  return { stdout: result.stdout, stderr: result.stderr.toString() };
}

/** Flat share by function name, from `-top`. */
function flatShares(stdout: string): Record<string, string | undefined> {
  const rows = stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 6 && cols[1]?.endsWith('%'));
  return Object.fromEntries(rows.map((cols) => [cols.slice(5).join(' '), cols[1]]));
}

function top(reader: Reader, bytes: Uint8Array, binaryPath?: string): { flat: Record<string, string | undefined>; stderr: string } {
  const { stdout, stderr } = pprof(reader, bytes, ['-top', '-nodecount=20', '-symbolize=local'], binaryPath);
  return { flat: flatShares(stdout.toString()), stderr };
}

const NAMED = { burn_cpu: '60.00%', idle_loop: '30.00%', copy_user_generic: '10.00%' };

describe('upstream pprof names our unnamed frames from PPROF_BINARY_PATH', () => {
  it('finds the binary as <dir>/<build id>/<base name> and names every frame', () => {
    const { flat, stderr } = top('upstream pprof', encodePprof(hostProfile(pie)), binaryDir('by-id', join(pie.buildId, 'burner'), pie.path));
    expect(stderr).not.toMatch(/fail|error|mismatch/i);
    expect(flat).toEqual({ ...NAMED, main: '0%' });
  });

  it('finds it as <dir>/<base name>, and names a fixed-address executable by virtual address', () => {
    expect(exec.symbol('burn_cpu')).not.toBe(exec.fileOffset(exec.symbol('burn_cpu')));
    const { flat, stderr } = top('upstream pprof', encodePprof(hostProfile(exec)), binaryDir('by-name', 'burner', exec.path));
    expect(stderr).not.toMatch(/fail|error|mismatch/i);
    expect(flat).toMatchObject(NAMED);
  });

  it('without PPROF_BINARY_PATH the frames keep their placeholder names, and pprof says where to look', () => {
    const profile = hostProfile(pie);
    const { flat, stderr } = top('upstream pprof', encodePprof(profile));
    const burn = profile.frames.find((f) => f.address === hex(pie.symbol('burn_cpu') + 12n))?.name ?? '';
    expect(burn).toMatch(/^burner\+0x[0-9a-f]+$/);
    expect(flat).toMatchObject({ [burn]: '60.00%', copy_user_generic: '10.00%' });
    expect(Object.keys(flat)).not.toContain('burn_cpu');
    expect(stderr).toMatch(/PPROF_BINARY_PATH/);
  });

  it('a stripped copy names nothing, and a binary of another build is refused', () => {
    const bytes = encodePprof(hostProfile(pie));
    expect(Object.keys(top('upstream pprof', bytes, binaryDir('stripped', join(pie.buildId, 'burner'), stripped)).flat)).not.toContain('burn_cpu');
    const other = top('upstream pprof', bytes, binaryDir('other-build', 'burner', exec.path));
    expect(Object.keys(other.flat)).not.toContain('burn_cpu');
    expect(other.stderr).toMatch(/build-id mismatch/);
  });

  it('names the unnamed frames of a binary that also has named ones (whose names stand until a binary is found)', () => {
    const named = makeFrame('main_as_named_by_host', { module: HOST_PATH, buildId: pie.buildId, address: hex(pie.symbol('main')) });
    const unnamed = hostProfile(pie).frames.find((f) => f.address === hex(pie.symbol('burn_cpu') + 12n)) as Frame;
    const b = new ProfileBuilder({ hz: 100 });
    b.apply({
      newFrames: [{ id: 0, frame: named }, { id: 1, frame: unnamed }],
      // The named frame is seen first: pprof must not take its mapping as the binary's.
      newStacks: [{ id: 0, frames: [0] }, { id: 1, frames: [1, 0] }],
      counts: [{ stackId: 0, comm: 'burner', pid: 7, tid: 7, count: 25 }, { stackId: 1, comm: 'burner', pid: 7, tid: 7, count: 75 }],
      stats: { samples: 100, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } },
    });
    const bytes = encodePprof(b.snapshot());
    expect(top('upstream pprof', bytes).flat).toMatchObject({ main_as_named_by_host: '25.00%', [unnamed.name]: '75.00%' });
    const { flat } = top('upstream pprof', bytes, binaryDir('mixed', join(pie.buildId, 'burner'), pie.path));
    expect(flat).toMatchObject({ burn_cpu: '75.00%', main: '25.00%' });
  });

  it('leaves a binary whose frames are all named alone: its mapping says it has functions', () => {
    const named = makeFrame('burn_cpu_as_named_by_host', { module: HOST_PATH, buildId: pie.buildId, address: hex(pie.symbol('burn_cpu')) });
    const b = new ProfileBuilder({ hz: 100 });
    b.apply({
      newFrames: [{ id: 0, frame: named }],
      newStacks: [{ id: 0, frames: [0] }],
      counts: [{ stackId: 0, comm: 'burner', pid: 7, tid: 7, count: 10 }],
      stats: { samples: 10, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } },
    });
    const { flat, stderr } = top('upstream pprof', encodePprof(b.snapshot()), binaryDir('named', join(pie.buildId, 'burner'), pie.path));
    expect(flat).toEqual({ burn_cpu_as_named_by_host: '100%' });
    expect(stderr).not.toMatch(/fail|error|PPROF_BINARY_PATH/i);
  });

  it('round trip: our decoder reads the export back unchanged, and reads the names pprof added', () => {
    const profile = hostProfile(pie);
    const bytes = encodePprof(profile);
    expect(decodePprof(bytes).frames).toEqual(profile.frames);
    const { stdout } = pprof('upstream pprof', bytes, ['-proto', '-symbolize=local'], binaryDir('proto', join(pie.buildId, 'burner'), pie.path));
    const named = decodePprof(gunzipSync(stdout));
    expect(named.frames.find((f) => f.name === 'burn_cpu')).toMatchObject({ buildId: pie.buildId, kind: 'user', status: 'symbolized' });
    expect(named.meta.sampleCount).toBe(1000);
  });
});

describe('go tool pprof names them from the binary at the mapping\'s own path', () => {
  it('by virtual address, from DWARF (its only source of names for C code)', () => {
    const { flat } = top('go tool pprof', encodePprof(hostProfile(withDwarf, withDwarf.path)));
    expect(flat).toMatchObject(NAMED);
  });

  it('and keeps the placeholder names when the binary is not there', () => {
    const { flat } = top('go tool pprof', encodePprof(hostProfile(withDwarf)));
    expect(Object.keys(flat)).not.toContain('burn_cpu');
    expect(flat).toMatchObject({ copy_user_generic: '10.00%' });
  });
});
