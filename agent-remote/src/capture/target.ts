// Resolving a capture target to sampler arguments.
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, normalize } from 'node:path';
import { EmberError } from '../../../core/errors';
import { TargetKind, type Target } from '../../../core/protocol/generated/emberscope.generated';

/** Pids whose comm or executable basename equals `name`. */
export function pidsByName(name: string, procRoot = '/proc'): number[] {
  const out: number[] = [];
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let comm = '';
    try {
      comm = readFileSync(`${procRoot}/${entry}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    let exe = '';
    try {
      exe = basename(readlinkSync(`${procRoot}/${entry}/exe`));
    } catch {
      exe = '';
    }
    if (comm === name || comm === name.slice(0, 15) || exe === name) out.push(pid);
  }
  return out;
}

export function samplerTargetArgs(target: Target | undefined, selfPids: readonly number[]): { args: string[]; pids: number[] } {
  const kind = target?.kind ?? TargetKind.TARGET_KIND_ALL;
  if (kind === TargetKind.TARGET_KIND_PIDS && target) {
    return { args: target.pids.flatMap((p) => ['--pid', String(p)]), pids: [...target.pids] };
  }
  if (kind === TargetKind.TARGET_KIND_PROCESS_NAME && target) {
    const pids = pidsByName(target.processName).filter((p) => !selfPids.includes(p));
    if (pids.length === 0) throw new EmberError('NOT_FOUND', `No running process is named ${JSON.stringify(target.processName)}.`);
    if (pids.length > 1024) throw new EmberError('BAD_OPTIONS', `More than 1024 processes are named ${JSON.stringify(target.processName)}: use a cgroup target.`);
    return { args: pids.flatMap((p) => ['--pid', String(p)]), pids };
  }
  if (kind === TargetKind.TARGET_KIND_CGROUP && target) {
    const p = isAbsolute(target.cgroupPath) ? normalize(target.cgroupPath) : join('/sys/fs/cgroup', normalize(target.cgroupPath));
    if (!p.startsWith('/sys/fs/cgroup/') && p !== '/sys/fs/cgroup') throw new EmberError('BAD_OPTIONS', 'The cgroup path must lie under /sys/fs/cgroup.');
    try {
      if (!statSync(p).isDirectory()) throw new Error('not a directory');
    } catch {
      throw new EmberError('NOT_FOUND', `No cgroup at ${p}.`);
    }
    return { args: ['--cgroup', p], pids: [] };
  }
  return { args: [], pids: [] };
}
