// Linux capabilities: names, /proc/PID/status sets, file capabilities (via getcap when present:
// Node has no getxattr).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { CapabilitySets, ProcessEvidence } from '../../core/protocol/generated/emberscope.generated';

const run = promisify(execFile);

export const CAP_NAMES: readonly string[] = [
  'cap_chown', 'cap_dac_override', 'cap_dac_read_search', 'cap_fowner', 'cap_fsetid', 'cap_kill',
  'cap_setgid', 'cap_setuid', 'cap_setpcap', 'cap_linux_immutable', 'cap_net_bind_service',
  'cap_net_broadcast', 'cap_net_admin', 'cap_net_raw', 'cap_ipc_lock', 'cap_ipc_owner', 'cap_sys_module',
  'cap_sys_rawio', 'cap_sys_chroot', 'cap_sys_ptrace', 'cap_sys_pacct', 'cap_sys_admin', 'cap_sys_boot',
  'cap_sys_nice', 'cap_sys_resource', 'cap_sys_time', 'cap_sys_tty_config', 'cap_mknod', 'cap_lease',
  'cap_audit_write', 'cap_audit_control', 'cap_setfcap', 'cap_mac_override', 'cap_mac_admin', 'cap_syslog',
  'cap_wake_alarm', 'cap_block_suspend', 'cap_audit_read', 'cap_perfmon', 'cap_bpf', 'cap_checkpoint_restore',
];

/** Names of the bits set in a hex mask as printed in /proc/PID/status. */
export function capNames(hexMask: string): string[] {
  let mask: bigint;
  try {
    mask = BigInt('0x' + (hexMask.trim() || '0'));
  } catch {
    return [];
  }
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) names.push(CAP_NAMES[bit] ?? `cap_${bit}`);
  }
  return names;
}

export function parseStatus(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

export function capSetsFromStatus(status: Map<string, string>): CapabilitySets {
  const get = (k: string): string => status.get(k) ?? '';
  return {
    inheritable: get('CapInh'),
    permitted: get('CapPrm'),
    effective: get('CapEff'),
    bounding: get('CapBnd'),
    ambient: get('CapAmb'),
    effectiveNames: capNames(get('CapEff')),
    permittedNames: capNames(get('CapPrm')),
    ambientNames: capNames(get('CapAmb')),
  };
}

export function processEvidence(role: string, pid: number): ProcessEvidence {
  const base: ProcessEvidence = {
    role,
    present: false,
    pid,
    uid: 0,
    euid: 0,
    gid: 0,
    caps: undefined,
    noNewPrivs: false,
    seccomp: 0,
    error: '',
  };
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (e) {
    return { ...base, error: `cannot read /proc/${pid}/status: ${(e as NodeJS.ErrnoException).code ?? String(e)}` };
  }
  const st = parseStatus(text);
  const ids = (st.get('Uid') ?? '').split(/\s+/).map(Number);
  const gids = (st.get('Gid') ?? '').split(/\s+/).map(Number);
  return {
    ...base,
    present: true,
    uid: ids[0] ?? 0,
    euid: ids[1] ?? 0,
    gid: gids[0] ?? 0,
    caps: capSetsFromStatus(st),
    noNewPrivs: st.get('NoNewPrivs') === '1',
    seccomp: Number(st.get('Seccomp') ?? 0) || 0,
  };
}

export interface FileCaps {
  text: string;
  permitted: string[];
  inheritable: string[];
  effective: boolean;
}

/**
 * File capabilities through `getcap` (libcap2-bin). Returns undefined when getcap is not
 * installed or failed (the caller reports that it could not tell); `text` '' = no caps.
 */
export async function readFileCaps(path: string): Promise<FileCaps | { error: string }> {
  for (const bin of ['/usr/sbin/getcap', '/sbin/getcap', '/usr/bin/getcap']) {
    let out: string;
    try {
      out = (await run(bin, [path], { timeout: 5000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } })).stdout;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      return { error: `getcap failed: ${String((e as Error).message).split('\n')[0]}` };
    }
    return parseGetcap(out.trim(), path);
  }
  return { error: 'getcap is not installed (libcap2-bin): file capabilities unknown' };
}

/** Parses `getcap` output: `/path cap_bpf,cap_perfmon=ep` (new) or `/path = cap_bpf+ep` (old). */
export function parseGetcap(line: string, path: string): FileCaps {
  let rest = line.startsWith(path) ? line.slice(path.length).trim() : line.replace(/^\S+\s*/, '');
  if (rest.startsWith('= ')) rest = rest.slice(2);
  if (rest === '') return { text: '', permitted: [], inheritable: [], effective: false };
  const permitted = new Set<string>();
  const inheritable = new Set<string>();
  let effective = false;
  // Clauses separated by spaces: names=flags or names+flags.
  for (const clause of rest.split(/\s+/)) {
    const m = /^([a-z_0-9,]*)([=+-])([eip]*)$/.exec(clause);
    if (!m) continue;
    const names = (m[1] ?? '').split(',').filter(Boolean);
    const op = m[2];
    const flags = m[3] ?? '';
    if (op === '-') continue;
    for (const n of names) {
      if (flags.includes('p')) permitted.add(n);
      if (flags.includes('i')) inheritable.add(n);
    }
    if (flags.includes('e')) effective = true;
  }
  return { text: rest, permitted: [...permitted], inheritable: [...inheritable], effective };
}
