// The privilege-warning catalogue of DESIGN.md: stable ids, titles and why each one matters.

export type Severity = 'info' | 'warn' | 'high' | 'critical' | 'blocker';

export const SEVERITY_ORDER: readonly Severity[] = ['info', 'warn', 'high', 'critical', 'blocker'];

export type WarningId =
  | 'kernel-too-old'
  | 'no-btf'
  | 'perf-paranoid'
  | 'perf-restricted'
  | 'unprivileged-bpf'
  | 'kptr'
  | 'ssh-root'
  | 'extra-capabilities'
  | 'sampler-permissions'
  | 'nosuid'
  | 'noexec'
  | 'lockdown'
  | 'debug-symbols'
  | 'no-frame-pointers'
  | 'kernel-symbols'
  | 'keychain-unavailable';

export interface Warning {
  readonly id: WarningId;
  readonly severity: Severity;
  readonly title: string;
  /** Facts read from the host, one per line, in plain words. */
  readonly evidence: readonly string[];
  readonly why: string;
  /** The exact command (or action) that removes the warning. */
  readonly remediation: string;
}

export const CATALOGUE: Readonly<Record<WarningId, { readonly title: string; readonly why: string }>> = Object.freeze({
  'kernel-too-old': {
    title: 'Kernel older than 5.8: profiling needs CAP_SYS_ADMIN',
    why: 'CAP_BPF and CAP_PERFMON exist from Linux 5.8. On older kernels the sampler needs CAP_SYS_ADMIN, which is close to full root power over the host.',
  },
  'no-btf': {
    title: 'Kernel without BTF: the sampler cannot load',
    why: 'The sampler is a CO-RE BPF program; it relocates against /sys/kernel/btf/vmlinux, which this kernel does not provide.',
  },
  'perf-paranoid': {
    title: 'perf_event_paranoid lets unprivileged users profile',
    why: 'Below 2, any local user can open perf events on their own processes (1), on every process\'s kernel side (0), or on everything including raw tracepoints (-1): a side channel and a larger kernel attack surface.',
  },
  'perf-restricted': {
    title: 'perf_event_paranoid 3 refuses every perf event, even to the sampler',
    why: 'Debian and Ubuntu kernels add a level 3 (Debian\'s default) at which perf_event_open needs CAP_SYS_ADMIN: CAP_PERFMON is not enough, so every capture fails until the level is 2.',
  },
  'unprivileged-bpf': {
    title: 'Unprivileged BPF is enabled',
    why: 'With kernel.unprivileged_bpf_disabled = 0 any local user can load BPF programs, historically a frequent source of kernel privilege escalations.',
  },
  kptr: {
    title: 'Kernel pointer exposure',
    why: 'kptr_restrict = 0 shows kernel addresses to every user, which defeats KASLR; kptr_restrict = 2 hides them even from the profiler, so kernel frames stay unresolved.',
  },
  'ssh-root': {
    title: 'Connected as root',
    why: 'The agent runs as the SSH user. As root it holds every capability; Emberscope still runs the sampler with only CAP_BPF and CAP_PERFMON, but a dedicated user keeps the agent itself unprivileged.',
  },
  'extra-capabilities': {
    title: 'A process holds capabilities beyond what profiling needs',
    why: 'The sampler needs CAP_BPF and CAP_PERFMON only (CAP_SYSLOG when kernel symbols were opted in); the agent needs none. Anything more widens what a compromised process can do.',
  },
  'sampler-permissions': {
    title: 'The installed sampler is not locked down',
    why: 'The sampler carries file capabilities: whoever can replace it or run it gets them. It must be root-owned, group emberscope, mode 0750, with exactly the expected capabilities.',
  },
  nosuid: {
    title: 'Install location mounted nosuid: file capabilities are ignored',
    why: 'The kernel ignores file capabilities on nosuid mounts, so the sampler would start without CAP_BPF and CAP_PERFMON and fail.',
  },
  noexec: {
    title: 'Install location mounted noexec',
    why: 'The sampler binary cannot be executed from a noexec mount.',
  },
  lockdown: {
    title: 'Kernel lockdown is active',
    why: 'Lockdown "integrity" leaves profiling working; "confidentiality" forbids BPF from reading kernel memory, and the sampler cannot run.',
  },
  'debug-symbols': {
    title: 'Profiled binaries carry debug information or build paths',
    why: 'DWARF and build-host paths make the profile name source files, directories and user names: the profile is more sensitive to share. Redaction (standard or stricter) strips them from exports.',
  },
  'no-frame-pointers': {
    title: 'Many stacks look truncated',
    why: 'The sampler walks frame pointers. Binaries built without them give one- or two-frame stacks, so the flame graph loses its callers.',
  },
  'kernel-symbols': {
    title: 'Kernel frames are not resolved',
    why: 'At perf_event_paranoid = 2 /proc/kallsyms shows zeros without CAP_SYSLOG, so kernel frames show as unresolved. Granting CAP_SYSLOG to the sampler is an explicit opt-in.',
  },
  'keychain-unavailable': {
    title: 'No OS keychain: secrets cannot be remembered',
    why: 'Passphrases and the team redaction key are kept only in the OS keychain, never in a file; without one, Emberscope asks each time.',
  },
});

export function severityRank(severity: Severity): number {
  return SEVERITY_ORDER.indexOf(severity);
}

/** Most severe first, then by id, so the list reads the same every time. */
export function sortWarnings(warnings: readonly Warning[]): Warning[] {
  return [...warnings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export function hasBlocker(warnings: readonly Warning[]): boolean {
  return warnings.some((w) => w.severity === 'blocker');
}

export function worstSeverity(warnings: readonly Warning[]): Severity | undefined {
  return sortWarnings(warnings)[0]?.severity;
}
