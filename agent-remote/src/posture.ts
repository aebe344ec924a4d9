// Posture: the facts core/warnings turns into privilege warnings. Facts only, no judgement.
import { existsSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { release } from 'node:os';
import type {
  BinaryEvidence,
  IntFact,
  KernelEvidence,
  MountEvidence,
  PostureReply,
  PostureRequest,
  SamplerFileEvidence,
} from '../../core/protocol/generated/emberscope.generated';
import { processEvidence, readFileCaps } from './caps';
import { currentUser } from './hostfacts';
import { readPolicy } from './policy';
import { defaultSamplerPath, type CaptureSummary } from './capture/session';
import { sha256File } from './capture/sampler-process';
import { ElfFile, elfEvidence, fileSource } from './symbolize/elf';
import { kallsymsReadable } from './symbolize/kallsyms';

export interface PostureContext {
  samplerPid: number | undefined;
  last: CaptureSummary | undefined;
}

function intFact(path: string): IntFact {
  try {
    const v = readFileSync(path, 'utf8').trim();
    const n = Number.parseInt(v, 10);
    if (!Number.isFinite(n)) return { present: false, value: 0, error: `not a number: ${v.slice(0, 40)}` };
    return { present: true, value: n, error: '' };
  } catch (e) {
    return { present: false, value: 0, error: (e as NodeJS.ErrnoException).code ?? 'unreadable' };
  }
}

export function parseKernelRelease(r: string): { major: number; minor: number; patch: number } {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(r);
  return { major: Number(m?.[1] ?? 0), minor: Number(m?.[2] ?? 0), patch: Number(m?.[3] ?? 0) };
}

export function parseLockdown(text: string): string {
  const m = /\[(\w+)\]/.exec(text);
  return m?.[1] ?? '';
}

export function kernelEvidence(): KernelEvidence {
  const rel = release();
  let lockdown = '';
  try {
    lockdown = parseLockdown(readFileSync('/sys/kernel/security/lockdown', 'utf8'));
  } catch {
    lockdown = '';
  }
  const stats = intFact('/proc/sys/kernel/bpf_stats_enabled');
  return {
    release: rel,
    ...parseKernelRelease(rel),
    btfPresent: existsSync('/sys/kernel/btf/vmlinux'),
    perfEventParanoid: intFact('/proc/sys/kernel/perf_event_paranoid'),
    unprivilegedBpfDisabled: intFact('/proc/sys/kernel/unprivileged_bpf_disabled'),
    kptrRestrict: intFact('/proc/sys/kernel/kptr_restrict'),
    perfEventMaxStack: intFact('/proc/sys/kernel/perf_event_max_stack'),
    lockdown,
    kallsymsReadable: kallsymsReadable(),
    bpfStatsEnabled: stats.present && stats.value !== 0,
  };
}

interface MountInfo {
  mountPoint: string;
  options: string[];
  fsType: string;
  superOptions: string[];
}

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(' ');
    const dash = parts.indexOf('-');
    if (parts.length < 10 || dash < 6) continue;
    out.push({
      mountPoint: unescapeMount(parts[4] ?? ''),
      options: (parts[5] ?? '').split(','),
      fsType: parts[dash + 1] ?? '',
      superOptions: (parts[dash + 3] ?? '').split(','),
    });
  }
  return out;
}

export function mountFor(mounts: readonly MountInfo[], path: string): MountInfo | undefined {
  let best: MountInfo | undefined;
  for (const m of mounts) {
    const mp = m.mountPoint;
    const inside = path === mp || mp === '/' || path.startsWith(mp.endsWith('/') ? mp : mp + '/');
    // Later entries over-mount earlier ones at the same point.
    if (inside && (!best || mp.length >= best.mountPoint.length)) best = m;
  }
  return best;
}

export function mountEvidence(role: string, path: string, mounts: readonly MountInfo[]): MountEvidence {
  const base: MountEvidence = { role, path, found: false, mountPoint: '', fsType: '', options: [], nosuid: false, noexec: false, readOnly: false };
  if (!path) return base;
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return base;
  }
  const m = mountFor(mounts, real);
  if (!m) return base;
  return {
    ...base,
    found: true,
    mountPoint: m.mountPoint,
    fsType: m.fsType,
    options: m.options.slice(0, 64),
    nosuid: m.options.includes('nosuid'),
    noexec: m.options.includes('noexec'),
    readOnly: m.options.includes('ro'),
  };
}

function groupName(gid: number): string {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[2] === String(gid)) return f[0] ?? '';
    }
  } catch {
    return '';
  }
  return '';
}

export async function samplerFileEvidence(path: string): Promise<SamplerFileEvidence> {
  const base: SamplerFileEvidence = {
    path, exists: false, uid: 0, gid: 0, group: '', mode: 0, groupWritable: false, worldWritable: false, setuid: false,
    hasFileCaps: false, fileCapsText: '', fileCapsPermitted: [], fileCapsInheritable: [], fileCapsEffective: false, fileCapsRootid: 0,
    sha256: '', error: '', callerCanExecute: false,
  };
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    return { ...base, error: (e as NodeJS.ErrnoException).code ?? 'unreadable' };
  }
  const mode = st.mode & 0o7777;
  const { uid } = currentUser();
  const groups = process.getgroups?.() ?? [];
  const canExec = uid === 0 ? (mode & 0o111) !== 0 : st.uid === uid ? (mode & 0o100) !== 0 : groups.includes(st.gid) || process.getgid?.() === st.gid ? (mode & 0o010) !== 0 : (mode & 0o001) !== 0;
  const caps = await readFileCaps(path);
  const ev: SamplerFileEvidence = {
    ...base,
    exists: true,
    uid: st.uid,
    gid: st.gid,
    group: groupName(st.gid),
    mode,
    groupWritable: (mode & 0o020) !== 0,
    worldWritable: (mode & 0o002) !== 0,
    setuid: (mode & 0o4000) !== 0,
    callerCanExecute: canExec,
    sha256: await sha256File(path).catch(() => ''),
  };
  if ('error' in caps) return { ...ev, error: caps.error };
  return {
    ...ev,
    hasFileCaps: caps.text !== '',
    fileCapsText: caps.text,
    fileCapsPermitted: caps.permitted,
    fileCapsInheritable: caps.inheritable,
    fileCapsEffective: caps.effective,
  };
}

export function binaryEvidence(path: string, pid = 0): BinaryEvidence {
  const base: BinaryEvidence = { path, pid, readable: false, isElf: false, buildId: '', hasSymtab: false, hasDynsym: false, hasDwarf: false, hasGopclntab: false, buildPaths: [], error: '' };
  let elf: ElfFile;
  try {
    elf = new ElfFile(fileSource(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ...base, readable: code === undefined, error: code ?? (e as Error).message };
  }
  try {
    const ev = elfEvidence(elf);
    return { ...base, readable: true, ...ev };
  } catch (e) {
    return { ...base, readable: true, isElf: true, error: (e as Error).message };
  } finally {
    elf.close();
  }
}

function exeOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    try {
      // Other users' /proc/PID/exe is not readable; the first executable file mapping usually is not either.
      const maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
      const m = /^\S+ r-xp \S+ \S+ [1-9]\d*\s+(\/\S.*)$/m.exec(maps);
      return m?.[1];
    } catch {
      return undefined;
    }
  }
}

export async function collectPosture(req: PostureRequest, ctx: PostureContext): Promise<PostureReply> {
  const notes: string[] = [];
  const samplerPath = req.samplerPath || defaultSamplerPath();
  const installDir = req.installDir || dirname(samplerPath);
  const cacheDir = req.cacheDir || dirname(process.argv[1] ?? '.');
  let mounts: MountInfo[] = [];
  try {
    mounts = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    notes.push('cannot read /proc/self/mountinfo: mount flags unknown');
  }
  const { uid, user } = currentUser();
  const binaries: BinaryEvidence[] = [];
  for (const pid of req.pids.slice(0, 64)) {
    const exe = exeOf(pid);
    if (exe) binaries.push(binaryEvidence(exe, pid));
    else binaries.push({ path: '', pid, readable: false, isElf: false, buildId: '', hasSymtab: false, hasDwarf: false, hasDynsym: false, hasGopclntab: false, buildPaths: [], error: 'executable of the process not readable' });
  }
  const seen = new Set(binaries.map((b) => b.path));
  for (const path of [...req.binaries.slice(0, 64), ...(ctx.last?.binaries ?? []).slice(0, 64)]) {
    if (seen.has(path)) continue;
    seen.add(path);
    binaries.push(binaryEvidence(path));
  }
  const samplerFile = await samplerFileEvidence(samplerPath);
  if (samplerFile.error.startsWith('getcap')) notes.push(samplerFile.error);
  const sampler = ctx.samplerPid !== undefined ? processEvidence('sampler', ctx.samplerPid) : { role: 'sampler', present: false, pid: 0, uid: 0, euid: 0, gid: 0, caps: undefined, noNewPrivs: false, seccomp: 0, error: 'no capture running' };
  return {
    kernel: kernelEvidence(),
    mounts: [mountEvidence('install', installDir, mounts), mountEvidence('cache', cacheDir, mounts), mountEvidence('sampler', samplerPath, mounts)],
    samplerFile,
    agent: processEvidence('agent', process.pid),
    sampler,
    sshUserIsRoot: uid === 0,
    uid,
    user,
    binaries,
    policy: readPolicy(),
    cgroupV2: existsSync('/sys/fs/cgroup/cgroup.controllers'),
    notes,
    kernelFramesHidden: ctx.last?.totals.kernelFramesHidden ?? 0,
    stacksTotal: ctx.last?.totals.stacksTotal ?? 0,
    stacksShallow: ctx.last?.totals.stacksShallow ?? 0,
  };
}
