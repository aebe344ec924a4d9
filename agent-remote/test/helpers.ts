// Test helpers: build fixture binaries into a temporary directory.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..');

export interface Fixtures {
  dir: string;
  /** the C source the programs are built from */
  progSource: string;
  /** PIE, with .symtab */
  prog: string;
  /** stripped (.symtab removed), functions exported through .dynsym (-rdynamic) */
  progStripped: string;
  /** stripped, no -rdynamic: nothing to find */
  progBare: string;
  go?: string;
  goStripped?: string;
  cleanup(): void;
}

export function symbolAddress(binary: string, name: string): number {
  const out = execFileSync('nm', ['--defined-only', binary], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const [addr, , sym] = line.split(' ');
    if (sym === name && addr) return parseInt(addr, 16);
  }
  throw new Error(`${name} not in ${binary}`);
}

export function goSymbolAddress(binary: string, name: string): number {
  const out = execFileSync('go', ['tool', 'nm', binary], { encoding: 'utf8' });
  for (const line of out.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts[2] === name && parts[0]) return parseInt(parts[0], 16);
  }
  throw new Error(`${name} not in ${binary}`);
}

export function buildFixtures(opts: { go?: boolean } = {}): Fixtures {
  const dir = mkdtempSync(join(tmpdir(), 'emberscope-agent-test-'));
  const src = join(here, 'fixtures', 'prog.c');
  const prog = join(dir, 'prog');
  execFileSync('gcc', ['-O0', '-g', '-fno-omit-frame-pointer', '-o', prog, src]);
  const progStripped = join(dir, 'prog-stripped');
  execFileSync('gcc', ['-O0', '-rdynamic', '-fno-omit-frame-pointer', '-o', progStripped, src]);
  execFileSync('strip', [progStripped]);
  const progBare = join(dir, 'prog-bare');
  execFileSync('gcc', ['-O0', '-o', progBare, src]);
  execFileSync('strip', [progBare]);
  const f: Fixtures = { dir, progSource: src, prog, progStripped, progBare, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  if (opts.go) {
    const goSrc = join(dir, 'hot.go');
    copyFileSync(join(repoRoot, 'scripts', 'workloads', 'hot.go'), goSrc);
    const env = { ...process.env, GOCACHE: join(process.env['XDG_CACHE_HOME'] ?? '/var/cache', 'emberscope-test-go'), GOFLAGS: '-buildvcs=false', GO111MODULE: 'off', GOTOOLCHAIN: 'local' };
    f.go = join(dir, 'hot-go');
    execFileSync('go', ['build', '-o', f.go, goSrc], { env });
    f.goStripped = join(dir, 'hot-go-stripped');
    execFileSync('go', ['build', '-ldflags=-s -w', '-o', f.goStripped, goSrc], { env });
  }
  return f;
}

/** Runs the fixture program once: the addresses it prints (its functions) and its memory maps, read while it waits. */
export async function probeFixture(prog: string): Promise<{ addrs: bigint[]; maps: string }> {
  const child = spawn(prog, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => child.stdout.once('data', (c: Buffer) => resolve(c.toString())));
  const addrs = line.trim().split(' ').map((h) => BigInt(h));
  const maps = readFileSync(`/proc/${child.pid}/maps`, 'utf8');
  child.stdin.end();
  return { addrs, maps };
}
