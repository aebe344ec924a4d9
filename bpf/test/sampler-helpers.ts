// Helpers for the sampler's integration tests: run it, find its BPF programs, symbolize.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseRecords, type Records } from './records';

export const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
/** The committed artifact (`make verify` proves it is what the sources build). */
export const SAMPLER = process.env['EMBERSCOPE_SAMPLER'] ?? join(here, '..', '..', 'assets', 'linux-x86_64', 'emberscope-sampler');

export interface SamplerRun {
  child: ChildProcess;
  pid: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string; records: Records }>;
}

/** Spawns argv (the sampler, or a wrapper such as setpriv that execs it). */
export function startSampler(argv: string[], opts: { stdin?: 'ignore' | 'pipe' } = {}): SamplerRun {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty argv');
  const child = spawn(cmd, args, { stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`cannot start ${cmd}`);
  const out: Buffer[] = [];
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string; records: Records }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out);
      try {
        resolve({ code, signal, stdout, stderr, records: parseRecords(stdout) });
      } catch (e) {
        reject(new Error(`${e instanceof Error ? e.message : String(e)}; stderr: ${stderr}`));
      }
    });
  });
  return { child, pid: child.pid, done };
}

export async function runSampler(argv: string[]): ReturnType<typeof startSampler>['done'] {
  return startSampler(argv).done;
}

/** Ids of the BPF programs a process holds open (from /proc/PID/fdinfo). */
export async function bpfProgramIds(pid: number): Promise<number[]> {
  const ids: number[] = [];
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    if (target !== 'anon_inode:bpf-prog') continue;
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    const m = /^prog_id:\s+(\d+)/m.exec(info);
    if (m?.[1] !== undefined) ids.push(Number(m[1]));
  }
  return ids;
}

/** Waits until `pid` holds at least one BPF program (it has attached), and returns their ids. */
export async function waitForPrograms(pid: number, timeoutMs = 15_000): Promise<number[]> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ids = await bpfProgramIds(pid);
    if (ids.length > 0) return ids;
    await sleep(50);
  }
  throw new Error(`process ${pid} loaded no BPF program within ${timeoutMs} ms`);
}

export async function loadedProgramIds(): Promise<Set<number>> {
  const { stdout } = await run('bpftool', ['prog', 'show', '--json']);
  const progs = JSON.parse(stdout) as { id: number; name?: string }[];
  return new Set(progs.map((p) => p.id));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function processGone(pid: number, timeoutMs = 10_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(50);
  }
  return false;
}

export interface Symbol {
  name: string;
  start: bigint;
  end: bigint;
}

/** Function symbols of an ELF file (addresses relative to its load base for a PIE). */
export async function functionSymbols(file: string): Promise<Symbol[]> {
  const { stdout } = await run('nm', ['-S', '--defined-only', file]);
  const syms: Symbol[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) [tTwW] (\S+)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined && m[3] !== undefined) {
      const start = BigInt(`0x${m[1]}`);
      syms.push({ name: m[3], start, end: start + BigInt(`0x${m[2]}`) });
    }
  }
  return syms;
}

/** Load base of `file` in a /proc/PID/maps text: the start of its mapping at file offset 0. */
export function loadBase(mapsText: string, file: string): bigint | undefined {
  for (const line of mapsText.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f[5] === file && f[2] !== undefined && BigInt(`0x${f[2]}`) === 0n && f[0] !== undefined) {
      return BigInt(`0x${f[0].split('-')[0] ?? '0'}`);
    }
  }
  return undefined;
}

export function symbolize(syms: Symbol[], base: bigint, ip: bigint): string | undefined {
  const rel = ip - base;
  return syms.find((s) => rel >= s.start && rel < s.end)?.name;
}

/** Capability bits as in <linux/capability.h>. */
export const CAP_SYS_ADMIN = 1n << 21n;
export const CAP_PERFMON = 1n << 38n;
export const CAP_BPF = 1n << 39n;
