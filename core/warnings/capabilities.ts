// Linux capabilities from the texts the agent reads: the hex masks of /proc/PID/status
// (CapInh, CapPrm, CapEff, CapBnd, CapAmb) and getcap's output. Names are lowercase
// `cap_bpf` as getcap and capabilities(7) write them.
import { EmberError } from '../errors';

/** Capability names by number (linux/capability.h, up to CAP_CHECKPOINT_RESTORE = 40). */
export const CAPABILITY_NAMES: readonly string[] = Object.freeze([
  'cap_chown', 'cap_dac_override', 'cap_dac_read_search', 'cap_fowner', 'cap_fsetid', 'cap_kill', 'cap_setgid', 'cap_setuid',
  'cap_setpcap', 'cap_linux_immutable', 'cap_net_bind_service', 'cap_net_broadcast', 'cap_net_admin', 'cap_net_raw',
  'cap_ipc_lock', 'cap_ipc_owner', 'cap_sys_module', 'cap_sys_rawio', 'cap_sys_chroot', 'cap_sys_ptrace', 'cap_sys_pacct',
  'cap_sys_admin', 'cap_sys_boot', 'cap_sys_nice', 'cap_sys_resource', 'cap_sys_time', 'cap_sys_tty_config', 'cap_mknod',
  'cap_lease', 'cap_audit_write', 'cap_audit_control', 'cap_setfcap', 'cap_mac_override', 'cap_mac_admin', 'cap_syslog',
  'cap_wake_alarm', 'cap_block_suspend', 'cap_audit_read', 'cap_perfmon', 'cap_bpf', 'cap_checkpoint_restore',
]);

export function capabilityName(bit: number): string {
  return CAPABILITY_NAMES[bit] ?? `cap_${bit}`;
}

/** `0000000000000000` style mask (as in /proc/PID/status) → sorted capability names. */
export function parseCapabilityMask(hex: string): string[] {
  const text = hex.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,16}$/i.test(text)) throw new EmberError('BAD_INPUT', `a capability mask must be up to 16 hex digits, got ${JSON.stringify(hex.slice(0, 40))}`);
  const mask = BigInt(`0x${text}`);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) if ((mask >> BigInt(bit)) & 1n) names.push(capabilityName(bit));
  return names;
}

export interface CapabilitySets {
  readonly inheritable: readonly string[];
  readonly permitted: readonly string[];
  readonly effective: readonly string[];
  readonly bounding: readonly string[];
  readonly ambient: readonly string[];
}

const STATUS_FIELDS = { inheritable: 'CapInh', permitted: 'CapPrm', effective: 'CapEff', bounding: 'CapBnd', ambient: 'CapAmb' } as const;

/** The capability sets of a /proc/PID/status text. CapAmb is absent before Linux 4.3 and reads as empty. */
export function parseProcStatusCapabilities(statusText: string): CapabilitySets {
  const fields = new Map<string, string>();
  for (const line of statusText.split('\n')) {
    const m = /^(Cap(?:Inh|Prm|Eff|Bnd|Amb)):\s*(\S+)\s*$/.exec(line);
    if (m) fields.set(m[1] ?? '', m[2] ?? '');
  }
  const read = (key: (typeof STATUS_FIELDS)[keyof typeof STATUS_FIELDS]): string[] => {
    const value = fields.get(key);
    if (value === undefined) {
      if (key === 'CapAmb') return [];
      throw new EmberError('BAD_INPUT', `the process status has no ${key} line`);
    }
    return parseCapabilityMask(value);
  };
  return {
    inheritable: read(STATUS_FIELDS.inheritable),
    permitted: read(STATUS_FIELDS.permitted),
    effective: read(STATUS_FIELDS.effective),
    bounding: read(STATUS_FIELDS.bounding),
    ambient: read(STATUS_FIELDS.ambient),
  };
}

export interface FileCapabilities {
  readonly path: string;
  readonly permitted: readonly string[];
  readonly inheritable: readonly string[];
  /** The file's effective bit: the permitted capabilities become effective at exec. */
  readonly effective: boolean;
}

const CLAUSE = /^((?:cap_[a-z0-9_]+|all)(?:,(?:cap_[a-z0-9_]+|all))*)?((?:[=+-][eip]*)+)$/;

/**
 * One line of getcap output, in the libcap ≥ 2.41 form (`/usr/bin/x cap_bpf,cap_perfmon=ep`)
 * or the older one (`/usr/bin/x = cap_bpf,cap_perfmon+ep`). `=ep` with no names means all.
 */
export function parseGetcapLine(line: string): FileCapabilities {
  const tokens = line.trim().split(/\s+/);
  const clauses: string[] = [];
  while (tokens.length > 1 && CLAUSE.test(tokens[tokens.length - 1] ?? '')) clauses.unshift(tokens.pop() ?? '');
  if (tokens[tokens.length - 1] === '=' && tokens.length > 1) tokens.pop();
  const path = tokens.join(' ');
  if (path === '' || clauses.length === 0) throw new EmberError('BAD_INPUT', `not a getcap line: ${JSON.stringify(line.slice(0, 80))}`);
  const sets = { e: new Set<string>(), i: new Set<string>(), p: new Set<string>() };
  for (const clause of clauses) {
    const m = CLAUSE.exec(clause);
    if (!m) continue;
    const names = (m[1] ?? 'all').split(',').flatMap((n) => (n === 'all' ? [...CAPABILITY_NAMES] : [n]));
    for (const op of (m[2] ?? '').match(/[=+-][eip]*/g) ?? []) {
      const flags = op.slice(1).split('') as ('e' | 'i' | 'p')[];
      if (op[0] === '=') for (const set of Object.values(sets)) for (const n of names) set.delete(n);
      for (const f of flags) {
        for (const n of names) {
          if (op[0] === '-') sets[f].delete(n);
          else sets[f].add(n);
        }
      }
    }
  }
  const sorted = (s: Set<string>): string[] => [...s].sort((a, b) => CAPABILITY_NAMES.indexOf(a) - CAPABILITY_NAMES.indexOf(b));
  return { path, permitted: sorted(sets.p), inheritable: sorted(sets.i), effective: sets.e.size > 0 };
}

/** Every line of a getcap run (`getcap -r DIR`); empty lines are skipped. */
export function parseGetcap(text: string): FileCapabilities[] {
  return text.split('\n').filter((l) => l.trim() !== '').map(parseGetcapLine);
}
