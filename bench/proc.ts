// /proc helpers shared by the benchmarks: CPU time and peak RSS of a whole process tree.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

interface ProcEntry {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime, seconds (cutime/cstime: children already reaped). */
  cpu: number;
}

function readStat(pid: number): ProcEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the comm: [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime.
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { pid, ppid: Number(f[1]), cpu: ticks / CLK_TCK };
  } catch {
    return undefined; // exited while we looked
  }
}

/** PIDs of `rootPid` and all its live descendants. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const e = readStat(Number(entry));
    if (!e) continue;
    const list = children.get(e.ppid);
    if (list) list.push(e.pid);
    else children.set(e.ppid, [e.pid]);
  }
  const out: number[] = [];
  const stack = [rootPid];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * CPU seconds (user + system, children included) of a process tree, per PID. Summing the
 * per-PID figures of two snapshots of the same tree gives the CPU used in between; a process
 * that exits in between is counted in its parent's cutime/cstime once the parent reaps it.
 */
export function treeCpu(rootPid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of processTree(rootPid)) {
    const e = readStat(pid);
    if (e) out.set(pid, e.cpu);
  }
  return out;
}

/** CPU used between two snapshots of a tree (processes new in `after` count from zero). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

/** VmHWM (peak RSS) of one process in MiB, 0 if it is gone. */
export function peakRssMiB(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return Number(m?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

export function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'latin1').trim();
  } catch {
    return '?';
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
