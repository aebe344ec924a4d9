// Helpers of the fault drills (test/fault-drills.int.test.ts): what a test host's users run,
// which BPF programs a sampler holds, and waiting for the host to be clean. We are root, so
// /proc/PID/fdinfo of any process is readable.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

export const run = promisify(execFile);

export interface HostProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly args: string;
}

/** Every live process of `user` (ps -u; zombies left out). */
export async function processesOf(user: string): Promise<HostProcess[]> {
  const { stdout } = await run('ps', ['-u', user, '-o', 'pid=,ppid=,stat=,comm=,args=']).catch(() => ({ stdout: '' }));
  const out: HostProcess[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line);
    // A zombie has exited and holds nothing (no memory, no fds, no BPF programs); an orphan's
    // zombie waits for PID 1 to reap it, which takes up to ~2 s on this machine.
    if (m && !(m[3] ?? '').startsWith('Z')) out.push({ pid: Number(m[1]), ppid: Number(m[2]), comm: m[4] ?? '', args: m[5] ?? '' });
  }
  return out;
}

export const isSampler = (p: HostProcess): boolean => p.comm.startsWith('emberscope-samp') || p.args.includes('emberscope-sampler');
export const isAgent = (p: HostProcess): boolean => p.args.includes('agent.cjs') && !isSampler(p);

/** The user's agent and sampler processes. */
export async function emberProcessesOf(user: string): Promise<HostProcess[]> {
  return (await processesOf(user)).filter((p) => isSampler(p) || isAgent(p));
}

/** Ids of the BPF programs a process holds open. */
export function programsOf(pid: number): number[] {
  const ids = new Set<number>();
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const m = /^prog_id:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m?.[1]) ids.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return [...ids];
}

/** Loaded BPF programs whose name starts with `ember` (the sampler's), by id. */
export async function loadedEmberPrograms(): Promise<Map<number, string>> {
  const { stdout } = await run('bpftool', ['prog', 'show', '--json']);
  const progs = JSON.parse(stdout) as { id: number; name?: string }[];
  return new Map(progs.filter((p) => p.name?.startsWith('ember')).map((p) => [p.id, p.name ?? '']));
}

/** Polls `check` every 25 ms until it returns true; the elapsed ms, or throws with `what`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    if (await check()) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface RunningSampler {
  readonly sampler: HostProcess;
  readonly agent: HostProcess | undefined;
  /** Programs the sampler holds (all named ember*). */
  readonly programs: number[];
}

/** Waits for the user's sampler to run with its BPF programs loaded. */
export async function runningSampler(user: string, timeoutMs = 15_000): Promise<RunningSampler> {
  let found: RunningSampler | undefined;
  await waitFor(`a sampler of ${user} holding BPF programs`, async () => {
    const procs = await emberProcessesOf(user);
    const sampler = procs.find(isSampler);
    if (!sampler) return false;
    const programs = programsOf(sampler.pid);
    if (programs.length === 0) return false;
    found = { sampler, agent: procs.find(isAgent), programs };
    return true;
  }, timeoutMs);
  if (!found) throw new Error('unreachable');
  return found;
}

/**
 * Waits until the user runs no agent or sampler and none of `programs` is loaded; resolves
 * the elapsed ms (throws after `timeoutMs`, naming what is left).
 */
export async function hostClean(user: string, programs: readonly number[], timeoutMs: number, detail?: { processesGoneMs?: number }): Promise<number> {
  const t0 = Date.now();
  let left = '';
  for (;;) {
    const procs = await emberProcessesOf(user);
    if (procs.length === 0 && detail && detail.processesGoneMs === undefined) detail.processesGoneMs = Date.now() - t0;
    const loaded = await loadedEmberPrograms();
    const progs = programs.filter((id) => loaded.has(id));
    if (procs.length === 0 && progs.length === 0) return Date.now() - t0;
    left = [...procs.map((p) => `process ${p.pid} ${p.args.slice(0, 80)}`), ...progs.map((id) => `BPF program ${id} ${loaded.get(id) ?? ''}`)].join('; ');
    if (Date.now() - t0 > timeoutMs) throw new Error(`still on the host after ${timeoutMs} ms: ${left}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Resident set size of a process in bytes (0 when it is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return Number(m?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The sshd processes below a test host's listener (every connection's monitor and session process). */
export async function sshdServing(listenerPid: number): Promise<{ pid: number; user: string }[]> {
  const { stdout } = await run('ps', ['-e', '-o', 'pid=,ppid=,user:32=,comm=']);
  const rows = stdout.split('\n').map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(\S+)/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const below = new Set([listenerPid]);
  const out: { pid: number; user: string }[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const m of rows) {
      const pid = Number(m[1]);
      if (!below.has(pid) && below.has(Number(m[2])) && (m[4] ?? '').startsWith('sshd')) {
        below.add(pid);
        out.push({ pid, user: m[3] ?? '' });
        grew = true;
      }
    }
  }
  return out;
}
