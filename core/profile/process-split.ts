// The processes and threads of a profile, for the process level, the picker and the
// "all processes" default: one entry per pid with its threads, heaviest first.
import type { Profile } from './types';

export interface ThreadStat {
  readonly tid: number;
  /** The thread's name (comm) as sampled; the most sampled one when it changed. */
  readonly comm: string;
  readonly samples: number;
}

export interface ProcessStat {
  readonly pid: number;
  /** The main thread's name when it was sampled, else the most sampled thread's name. */
  readonly comm: string;
  readonly samples: number;
  readonly threads: readonly ThreadStat[];
}

export function listProcesses(profile: Profile): ProcessStat[] {
  const procs = new Map<number, Map<number, Map<string, number>>>();
  for (const row of profile.samples) {
    if (row.count === 0) continue;
    let threads = procs.get(row.pid);
    if (threads === undefined) procs.set(row.pid, (threads = new Map()));
    let names = threads.get(row.tid);
    if (names === undefined) threads.set(row.tid, (names = new Map()));
    names.set(row.comm, (names.get(row.comm) ?? 0) + row.count);
  }
  const out: ProcessStat[] = [];
  for (const [pid, threads] of procs) {
    const list: ThreadStat[] = [];
    for (const [tid, names] of threads) {
      let comm = '';
      let best = -1;
      let samples = 0;
      for (const [name, n] of names) {
        samples += n;
        if (n > best || (n === best && name < comm)) {
          best = n;
          comm = name;
        }
      }
      list.push({ tid, comm, samples });
    }
    list.sort((a, b) => b.samples - a.samples || a.tid - b.tid);
    const main = list.find((t) => t.tid === pid) ?? list[0];
    out.push({ pid, comm: main?.comm ?? '', samples: list.reduce((s, t) => s + t.samples, 0), threads: list });
  }
  return out.sort((a, b) => b.samples - a.samples || a.pid - b.pid);
}

/** True when the samples come from more than one process: the process level is then on by default. */
export function isMultiProcess(profile: Profile): boolean {
  let first: number | undefined;
  for (const row of profile.samples) {
    if (row.count === 0) continue;
    if (first === undefined) first = row.pid;
    else if (row.pid !== first) return true;
  }
  return false;
}
