// Host evidence → privilege warnings. Evidence fields that are absent were not read: they
// raise nothing here (the agent reports what it could not read in its own notes).
import { CATALOGUE, sortWarnings, type Severity, type Warning, type WarningId } from './catalogue';
import { parseGetcapLine, parseProcStatusCapabilities, type CapabilitySets } from './capabilities';

export interface MountFact {
  readonly role: 'install' | 'cache' | 'sampler';
  readonly path: string;
  readonly mountPoint?: string;
  /** Mount options, e.g. ['rw', 'nosuid', 'nodev']. */
  readonly options: readonly string[];
}

export interface SamplerFileFact {
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  /** Group name when known (expected: emberscope). */
  readonly group?: string;
  /** Permission bits, st_mode & 0o7777. */
  readonly mode: number;
  /** getcap-style text of the file capabilities: `cap_bpf,cap_perfmon=ep`, with or without the path; '' for none. */
  readonly fileCaps: string;
}

export interface ProcessFact {
  readonly role: 'agent' | 'sampler';
  readonly pid?: number;
  /** Raw /proc/PID/status text, or the parsed sets. */
  readonly status?: string;
  readonly caps?: CapabilitySets;
}

export interface BinaryFact {
  readonly path: string;
  readonly hasDwarf: boolean;
  readonly buildPaths: readonly string[];
}

export interface PostureEvidence {
  /** `uname -r`, e.g. 6.1.0-18-amd64. */
  readonly kernelRelease?: string;
  readonly btfPresent?: boolean;
  readonly perfEventParanoid?: number;
  readonly unprivilegedBpfDisabled?: number;
  readonly kptrRestrict?: number;
  /** /sys/kernel/security/lockdown (`none [integrity] confidentiality`) or the active mode alone. */
  readonly lockdown?: string;
  readonly mounts?: readonly MountFact[];
  readonly samplerFile?: SamplerFileFact;
  readonly processes?: readonly ProcessFact[];
  readonly sshUserIsRoot?: boolean;
  readonly sshUser?: string;
  readonly binaries?: readonly BinaryFact[];
  /** Stacks of the last capture, and how many of them look truncated (one or two user frames). */
  readonly stacksTotal?: number;
  readonly stacksTruncated?: number;
  /** /proc/kallsyms shows real addresses to the sampler. */
  readonly kernelSymbolsResolvable?: boolean;
  readonly keychainAvailable?: boolean;
  /** The user opted in to CAP_SYSLOG for kernel symbols. */
  readonly capSyslogOptIn?: boolean;
  /** The user consented to CAP_SYS_ADMIN on a kernel older than 5.8. */
  readonly sysAdminConsent?: boolean;
}

export interface EvaluateOptions {
  /** Where setup installs the sampler, for the remediation commands. */
  readonly samplerPath?: string;
  /** How the user names this host in commands (`emberscope setup <host>`). */
  readonly host?: string;
}

export const SAMPLER_GROUP = 'emberscope';
const DEFAULT_SAMPLER_PATH = '/usr/local/libexec/emberscope/<version>/emberscope-sampler';
/** Below this share of truncated stacks, no-frame-pointers stays quiet; and it needs enough stacks to judge. */
const TRUNCATED_FRACTION = 0.2;
const MIN_STACKS_TO_JUDGE = 20;

/** `6.1.0-18-amd64` → [6, 1]; undefined when unreadable. */
export function parseKernelVersion(release: string): readonly [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release.trim());
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** The active mode of a lockdown file (`none [integrity] confidentiality` → integrity). */
export function parseLockdown(text: string): string {
  const bracketed = /\[(\w+)\]/.exec(text);
  return (bracketed?.[1] ?? text.trim()).toLowerCase();
}

export function kernelIsOld(evidence: PostureEvidence): boolean {
  const v = evidence.kernelRelease === undefined ? undefined : parseKernelVersion(evidence.kernelRelease);
  return v !== undefined && (v[0] < 5 || (v[0] === 5 && v[1] < 8));
}

/** Capabilities the sampler is expected to hold given the opt-ins. */
export function expectedSamplerCapabilities(evidence: PostureEvidence): string[] {
  const base = kernelIsOld(evidence) ? ['cap_sys_admin'] : ['cap_perfmon', 'cap_bpf'];
  return evidence.capSyslogOptIn ? ['cap_syslog', ...base] : base;
}

export function evaluatePosture(evidence: PostureEvidence, options: EvaluateOptions = {}): Warning[] {
  const out: Warning[] = [];
  const add = (id: WarningId, severity: Severity, evidenceLines: string[], remediation: string): void => {
    out.push({ id, severity, title: CATALOGUE[id].title, why: CATALOGUE[id].why, evidence: evidenceLines, remediation });
  };
  const sampler = evidence.samplerFile?.path ?? options.samplerPath ?? DEFAULT_SAMPLER_PATH;
  const host = options.host ?? '<host>';

  if (evidence.kernelRelease !== undefined && kernelIsOld(evidence)) {
    add('kernel-too-old', 'critical', [`kernel release ${evidence.kernelRelease}`], 'Upgrade the host to Linux 5.8 or later (e.g. Debian: sudo apt-get install linux-image-amd64 && sudo reboot); otherwise run setup with explicit consent to CAP_SYS_ADMIN.');
  }
  if (evidence.btfPresent === false) {
    add('no-btf', 'blocker', ['/sys/kernel/btf/vmlinux is missing'], 'Boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian, Ubuntu, Fedora and RHEL kernels have it): sudo apt-get install linux-image-amd64 && sudo reboot');
  }
  const paranoid = evidence.perfEventParanoid;
  if (paranoid !== undefined && paranoid <= 1) {
    const severity: Severity = paranoid <= -1 ? 'critical' : paranoid === 0 ? 'high' : 'warn';
    add('perf-paranoid', severity, [`kernel.perf_event_paranoid = ${paranoid}`], "sudo sysctl -w kernel.perf_event_paranoid=2 && echo 'kernel.perf_event_paranoid = 2' | sudo tee /etc/sysctl.d/60-emberscope-perf.conf");
  }
  if (paranoid !== undefined && paranoid >= 3) {
    add('perf-restricted', 'blocker', [`kernel.perf_event_paranoid = ${paranoid}`], "sudo sysctl -w kernel.perf_event_paranoid=2 && echo 'kernel.perf_event_paranoid = 2' | sudo tee /etc/sysctl.d/60-emberscope-perf.conf");
  }
  if (evidence.unprivilegedBpfDisabled === 0) {
    add('unprivileged-bpf', 'high', ['kernel.unprivileged_bpf_disabled = 0'], "sudo sysctl -w kernel.unprivileged_bpf_disabled=2 && echo 'kernel.unprivileged_bpf_disabled = 2' | sudo tee /etc/sysctl.d/60-emberscope-bpf.conf");
  }
  if (evidence.kptrRestrict === 0) {
    add('kptr', 'warn', ['kernel.kptr_restrict = 0: kernel addresses are visible to every user'], "sudo sysctl -w kernel.kptr_restrict=1 && echo 'kernel.kptr_restrict = 1' | sudo tee /etc/sysctl.d/60-emberscope-kptr.conf");
  } else if (evidence.kptrRestrict === 2) {
    add('kptr', 'info', ['kernel.kptr_restrict = 2: kernel symbols are hidden, even from the profiler'], "Accept unresolved kernel frames, or: sudo sysctl -w kernel.kptr_restrict=1");
  }
  if (evidence.sshUserIsRoot) {
    add('ssh-root', 'warn', [`SSH user ${evidence.sshUser ?? 'root'} has uid 0`], `sudo useradd --create-home --groups ${SAMPLER_GROUP} profiler, install your public key for it, and connect as profiler@${host === '<host>' ? '<host>' : host}`);
  }
  capabilityWarnings(evidence, sampler, host, add);
  samplerFileWarnings(evidence, sampler, host, add);
  for (const mount of evidence.mounts ?? []) {
    if (mount.role === 'cache') continue; // the agent is run by node, so cache mount flags do not matter
    const where = `${mount.path} is on ${mount.mountPoint ?? 'a mount'} with options ${mount.options.join(',')}`;
    if (mount.options.includes('nosuid')) add('nosuid', 'blocker', [where], `Install the sampler on a mount without nosuid, e.g. emberscope setup ${host} (default /usr/local/libexec), or: sudo mount -o remount,suid ${mount.mountPoint ?? mount.path}`);
    if (mount.options.includes('noexec')) add('noexec', 'blocker', [where], `Install the sampler on a mount without noexec, or: sudo mount -o remount,exec ${mount.mountPoint ?? mount.path}`);
  }
  if (evidence.lockdown !== undefined) {
    const mode = parseLockdown(evidence.lockdown);
    if (mode === 'confidentiality') add('lockdown', 'blocker', [`kernel lockdown = ${mode}`], 'Boot with lockdown=integrity (kernel command line) or without lockdown; confidentiality mode forbids BPF from reading kernel memory.');
    else if (mode === 'integrity') add('lockdown', 'info', [`kernel lockdown = ${mode}`], 'Nothing to do: profiling works under integrity lockdown.');
  }
  const exposed = (evidence.binaries ?? []).filter((b) => b.hasDwarf || b.buildPaths.length > 0);
  if (exposed.length > 0) {
    const lines = exposed.slice(0, 5).map((b) => `${b.path}: ${[b.hasDwarf ? 'DWARF debug info' : '', b.buildPaths.length > 0 ? `build paths such as ${b.buildPaths[0]}` : ''].filter(Boolean).join(', ')}`);
    if (exposed.length > 5) lines.push(`and ${exposed.length - 5} more binaries`);
    add('debug-symbols', 'warn', lines, 'Export with redaction "standard" or stricter; or ship stripped binaries: strip --strip-debug <binary> (Go: go build -trimpath -ldflags=-w)');
  }
  const total = evidence.stacksTotal ?? 0;
  const truncated = evidence.stacksTruncated ?? 0;
  if (total >= MIN_STACKS_TO_JUDGE && truncated / total > TRUNCATED_FRACTION) {
    add('no-frame-pointers', 'info', [`${truncated} of ${total} stacks (${Math.round((100 * truncated) / total)}%) have one or two user frames`], 'Rebuild with frame pointers: CFLAGS="-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer", RUSTFLAGS="-C force-frame-pointers=yes"; Go keeps them on amd64 and arm64.');
  }
  if (evidence.kernelSymbolsResolvable === false && !evidence.capSyslogOptIn) {
    add('kernel-symbols', 'info', ['/proc/kallsyms shows zero addresses to the sampler'], `emberscope setup ${host} --kernel-symbols   (grants CAP_SYSLOG to the sampler)`);
  }
  if (evidence.keychainAvailable === false) {
    add('keychain-unavailable', 'warn', ['no Secret Service / OS keychain answered'], 'sudo apt-get install gnome-keyring libsecret-1-0 and log in to a desktop session (or run inside dbus-run-session with gnome-keyring-daemon --unlock)');
  }
  return sortWarnings(out);
}

type Add = (id: WarningId, severity: Severity, evidence: string[], remediation: string) => void;

function capabilityWarnings(evidence: PostureEvidence, sampler: string, host: string, add: Add): void {
  const samplerAllowed = new Set(expectedSamplerCapabilities(evidence));
  for (const proc of evidence.processes ?? []) {
    const sets = proc.caps ?? (proc.status !== undefined ? parseProcStatusCapabilities(proc.status) : undefined);
    if (sets === undefined) continue;
    const allowed = proc.role === 'sampler' ? samplerAllowed : new Set<string>();
    const held = new Set([...sets.effective, ...sets.permitted, ...sets.ambient]);
    const extra = [...held].filter((c) => !allowed.has(c));
    if (extra.length === 0) continue;
    const who = `${proc.role}${proc.pid !== undefined ? ` (pid ${proc.pid})` : ''}`;
    const shown = extra.length > 8 ? `${extra.slice(0, 8).join(', ')} and ${extra.length - 8} more` : extra.join(', ');
    const remediation =
      proc.role === 'agent'
        ? `Connect as a non-root user without capabilities (see ssh-root); check with: grep Cap /proc/${proc.pid ?? '<pid>'}/status`
        : `emberscope setup ${host} again, which runs: sudo setcap ${[...samplerAllowed].join(',')}=ep ${sampler}`;
    add('extra-capabilities', 'critical', [`${who} holds ${shown}`], remediation);
  }
}

function samplerFileWarnings(evidence: PostureEvidence, sampler: string, host: string, add: Add): void {
  const file = evidence.samplerFile;
  if (file === undefined) return;
  const lines: string[] = [];
  const mode = `0${file.mode.toString(8).padStart(3, '0')}`;
  if (file.uid !== 0) lines.push(`owned by uid ${file.uid}, not root`);
  if (file.mode & 0o022) lines.push(`mode ${mode}: writable by ${file.mode & 0o002 ? 'everyone' : 'its group'}`);
  if (file.mode & 0o6000) lines.push(`mode ${mode}: setuid/setgid bit set`);
  if (file.mode & 0o007) lines.push(`mode ${mode}: every user can run it and get its capabilities`);
  if (file.group !== undefined && file.group !== SAMPLER_GROUP) lines.push(`group ${file.group}, not ${SAMPLER_GROUP}`);
  const expected = expectedSamplerCapabilities(evidence);
  let missingOnly = false;
  if (file.fileCaps.trim() === '') {
    lines.push('no file capabilities: captures will fail with EPERM');
    missingOnly = lines.length === 1;
  } else {
    const text = file.fileCaps.trim();
    const caps = parseGetcapLine(/^\S*\//.test(text) ? text : `${file.path} ${text}`);
    const extra = caps.permitted.filter((c) => !expected.includes(c));
    const missing = expected.filter((c) => !caps.permitted.includes(c));
    if (extra.length > 0) lines.push(`file capabilities include ${extra.join(', ')} beyond ${expected.join(', ')}`);
    if (missing.length > 0 || !caps.effective) {
      lines.push(`file capabilities are ${text}, expected ${expected.join(',')}=ep`);
      missingOnly = lines.length === 1;
    }
    if (caps.inheritable.length > 0) lines.push(`inheritable file capabilities ${caps.inheritable.join(', ')}`);
  }
  if (lines.length === 0) return;
  const fix = `sudo chown root:${SAMPLER_GROUP} ${sampler} && sudo chmod 0750 ${sampler} && sudo setcap ${expected.join(',')}=ep ${sampler}   (or: emberscope setup ${host})`;
  // Missing capabilities only stop captures; anything else lets someone misuse the sampler.
  add('sampler-permissions', missingOnly ? 'warn' : 'critical', lines.map((l) => `${file.path}: ${l}`), fix);
}
