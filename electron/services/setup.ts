// One-time host setup, explicit: the exact commands are shown first (plan), then run as root
// (directly when connected as root, through `sudo -n`, or `sudo -S` with the password written
// to the channel's stdin, never to argv), then verified (getcap, owner, mode, group) and
// reported. Uninstall removes all of it.
import { EmberError } from '../../core/errors';
import { kernelIsOld, parseGetcapLine, SAMPLER_GROUP } from '../../core/warnings';
import { INSTALL_ROOT, installDir, type HostFacts } from './deploy';
import { shellQuote, type ExecResult } from './ssh';
import type { HostShell } from './host-shell';
import type { SetupOptions, SetupPlan, SetupProgress, SetupResult } from './types';

export const SAMPLER_FILE = 'emberscope-sampler';

export function samplerInstallPath(version: string): string {
  return `${installDir(version)}/${SAMPLER_FILE}`;
}

export function capabilitiesFor(kernel: string, options: SetupOptions): string[] {
  const old = kernelIsOld({ kernelRelease: kernel });
  if (old && !options.allowSysAdmin) {
    throw new EmberError('KERNEL_TOO_OLD', `Kernel ${kernel} is older than 5.8: CAP_BPF and CAP_PERFMON do not exist there; setup needs CAP_SYS_ADMIN, which you must allow explicitly (--allow-sys-admin).`);
  }
  const caps = old ? ['cap_sys_admin'] : ['cap_bpf', 'cap_perfmon'];
  if (options.kernelSymbols) caps.push('cap_syslog');
  return caps;
}

function via(facts: HostFacts): SetupPlan['via'] {
  if (facts.uid === 0) return 'root';
  if (facts.sudo === 'nopasswd') return 'sudo-n';
  if (facts.sudo === 'password') return 'sudo-S';
  throw new EmberError('SETUP_FAILED', `${facts.user} is not root and sudo is not available on the host: run setup as root or give the user sudo rights.`);
}

export function setupPlan(hostId: string, facts: HostFacts, samplerCachePath: string, samplerSha256: string, version: string, options: SetupOptions): SetupPlan {
  const caps = capabilitiesFor(facts.kernel, options);
  const dir = installDir(version);
  const dst = samplerInstallPath(version);
  const q = shellQuote;
  const commands = [
    `groupadd -f -r ${SAMPLER_GROUP}`,
    ...(facts.uid === 0 ? [] : [`usermod -a -G ${SAMPLER_GROUP} ${q(facts.user)}`]),
    `install -d -o root -g root -m 0755 ${INSTALL_ROOT}`,
    `install -d -o root -g ${SAMPLER_GROUP} -m 0750 ${q(dir)}`,
    `install -o root -g ${SAMPLER_GROUP} -m 0750 ${q(samplerCachePath)} ${q(dst)}`,
    `printf '%s  %s\\n' ${samplerSha256} ${q(dst)} | sha256sum -c --status || { rm -f ${q(dst)}; echo 'the installed sampler does not match the manifest: removed' >&2; exit 1; }`,
    `setcap ${caps.join(',')}=ep ${q(dst)}`,
  ];
  const notes = [
    `The sampler gets ${caps.map((c) => c.toUpperCase()).join(' + ')} as file capabilities; nothing else runs privileged.`,
    facts.uid === 0
      ? 'Connected as root: captures run the sampler through setpriv with only these capabilities, as an unprivileged user, with no_new_privs.'
      : `${facts.user} joins the ${SAMPLER_GROUP} group; it takes effect in new SSH sessions (Emberscope uses sg in this one).`,
  ];
  if (caps.includes('cap_sys_admin')) notes.push('WARNING: CAP_SYS_ADMIN is nearly root. It is used only because this kernel is older than 5.8.');
  if (caps.includes('cap_syslog')) notes.push('CAP_SYSLOG lets the sampler read kernel addresses (kernel symbols opt-in).');
  return { hostId, commands, via: via(facts), installDir: dir, notes };
}

export function uninstallPlan(hostId: string, facts: HostFacts): SetupPlan {
  const commands = [
    `rm -rf ${INSTALL_ROOT}`,
    ...(facts.uid === 0 ? [] : [`gpasswd -d ${shellQuote(facts.user)} ${SAMPLER_GROUP} >/dev/null 2>&1 || true`]),
    `if getent group ${SAMPLER_GROUP} >/dev/null; then groupdel ${SAMPLER_GROUP}; fi`,
  ];
  return { hostId, commands, via: via(facts), installDir: INSTALL_ROOT, notes: [`Also removes ${facts.home}/.cache/emberscope (as ${facts.user}).`] };
}

export type PasswordSource = () => Promise<string | null>;

/** Runs one command as root the planned way. */
async function runAsRoot(shell: HostShell, plan: SetupPlan, command: string, password: PasswordSource): Promise<ExecResult> {
  if (plan.via === 'root') return shell.exec(command, { timeoutMs: 120_000 });
  if (plan.via === 'sudo-n') return shell.exec(`sudo -n -- sh -c ${shellQuote(command)}`, { timeoutMs: 120_000 });
  const secret = await password();
  if (secret === null) throw new EmberError('CANCELLED', 'Setup needs the sudo password; none was given.');
  // -k: always read the password (from stdin, -S), never rely on a cached timestamp; -p '': no prompt text.
  return shell.exec(`sudo -k -S -p '' -- sh -c ${shellQuote(command)}`, { stdin: `${secret}\n`, timeoutMs: 120_000 });
}

export async function runPlan(shell: HostShell, plan: SetupPlan, password: PasswordSource, onProgress: (p: SetupProgress) => void): Promise<void> {
  const total = plan.commands.length;
  for (let i = 0; i < total; i++) {
    const command = plan.commands[i] ?? '';
    onProgress({ step: i + 1, total, message: command });
    const r = await runAsRoot(shell, plan, command, password);
    if (r.code !== 0) {
      const why = r.stderr.replace(/\[sudo\][^\n]*\n?/g, '').trim().split('\n').slice(-1)[0] ?? '';
      if (/incorrect password|a password is required|Sorry, try again/i.test(r.stderr)) {
        throw new EmberError('AUTH_FAILED', 'sudo refused the password: setup did not run.');
      }
      throw new EmberError('SETUP_FAILED', `Setup step ${i + 1} failed (exit ${r.code ?? '?'}): ${command} — ${why || 'no message'}`);
    }
  }
}

export type RootExec = (command: string) => Promise<ExecResult>;

export function rootExec(shell: HostShell, plan: SetupPlan, password: PasswordSource): RootExec {
  return (command) => runAsRoot(shell, plan, command, password);
}

/**
 * Verifies an installed sampler: capabilities, owner, mode, group, hash. Read as root (the
 * install directory is 0750 and the SSH user's new group is not active in this session).
 */
export async function verifySetup(exec: RootExec, facts: HostFacts, version: string, expectedCaps: readonly string[], samplerSha256: string): Promise<SetupResult> {
  const dst = samplerInstallPath(version);
  const q = shellQuote(dst);
  const r = await exec(
    `PATH="$PATH:/usr/sbin:/sbin"; printf 'stat=%s\\n' "$(stat -c '%U:%G:%a' ${q} 2>&1)"; printf 'getcap=%s\\n' "$(getcap ${q} 2>&1)"; printf 'group=%s\\n' "$(getent group ${SAMPLER_GROUP})"; printf 'dirstat=%s\\n' "$(stat -c '%U:%G:%a' ${shellQuote(installDir(version))} 2>&1)"; printf 'sha=%s\\n' "$(sha256sum -- ${q} 2>&1)"`,
  );
  const kv = new Map(r.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));
  const report: string[] = [];
  let ok = true;
  const stat = kv.get('stat') ?? '';
  report.push(`sampler ${dst}: owner:group:mode ${stat}`);
  if (stat !== `root:${SAMPLER_GROUP}:750`) {
    ok = false;
    report.push(`  expected root:${SAMPLER_GROUP}:750`);
  }
  const dirStat = kv.get('dirstat') ?? '';
  report.push(`directory ${installDir(version)}: ${dirStat}`);
  if (dirStat !== `root:${SAMPLER_GROUP}:750`) ok = false;
  const getcap = kv.get('getcap') ?? '';
  let parsed: { permitted: readonly string[]; inheritable: readonly string[]; effective: boolean } = { permitted: [], inheritable: [], effective: false };
  try {
    parsed = parseGetcapLine(getcap.includes(' ') ? getcap : `${dst} ${getcap}`);
  } catch {
    // no capabilities (or getcap missing): reported below
  }
  const have = [...parsed.permitted].map((c) => c.toLowerCase()).sort();
  const want = [...expectedCaps].sort();
  report.push(`capabilities: ${getcap.trim() || 'none'}`);
  if (have.join(',') !== want.join(',') || !parsed.effective || parsed.inheritable.length > 0) {
    ok = false;
    report.push(`  expected exactly ${want.join(',')}=ep`);
  }
  const members = (kv.get('group') ?? '').split(':')[3]?.split(',').filter(Boolean) ?? [];
  if (facts.uid !== 0) {
    const member = members.includes(facts.user);
    report.push(`group ${SAMPLER_GROUP}: ${member ? `${facts.user} is a member` : `${facts.user} is NOT a member`}`);
    if (!member) ok = false;
  }
  const shaOk = (kv.get('sha') ?? '').startsWith(samplerSha256);
  report.push(`sha256: ${shaOk ? 'matches the manifest' : 'DOES NOT match the manifest'}`);
  if (!shaOk) ok = false;
  return { ok, report };
}
