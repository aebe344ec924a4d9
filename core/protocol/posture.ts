// The agent's Posture reply as the evidence of core/warnings (pure).
import type { BinaryFact, MountFact, PostureEvidence, ProcessFact } from '../warnings/evaluate';
import type { IntFact, PostureReply, ProcessEvidence } from './generated/emberscope.generated';

export interface PostureContext {
  /** The desktop's keychain answered (keychain-unavailable is a desktop fact). */
  keychainAvailable?: boolean;
  /** The user opted in to CAP_SYSLOG for kernel symbols. */
  capSyslogOptIn?: boolean;
  /** The user consented to CAP_SYS_ADMIN on a kernel older than 5.8. */
  sysAdminConsent?: boolean;
}

function int(f: IntFact | undefined): number | undefined {
  return f?.present ? f.value : undefined;
}

function role(r: string): MountFact['role'] | undefined {
  return r === 'install' || r === 'cache' || r === 'sampler' ? r : undefined;
}

function processFact(p: ProcessEvidence | undefined, which: 'agent' | 'sampler'): ProcessFact | undefined {
  if (!p?.present || !p.caps) return undefined;
  return {
    role: which,
    pid: p.pid,
    caps: {
      inheritable: [],
      permitted: p.caps.permittedNames,
      effective: p.caps.effectiveNames,
      bounding: [],
      ambient: p.caps.ambientNames,
    },
  };
}

/**
 * Evidence for evaluatePosture (core/warnings). Facts the agent could not read stay absent
 * (they raise nothing); unknown file capabilities (no getcap on the host) read as none, so the
 * sampler-permissions warning errs on the side of showing.
 */
export function postureToEvidence(reply: PostureReply, ctx: PostureContext = {}): PostureEvidence {
  const k = reply.kernel;
  const mounts: MountFact[] = [];
  for (const m of reply.mounts) {
    const r = role(m.role);
    if (r && m.found) mounts.push({ role: r, path: m.path, mountPoint: m.mountPoint, options: m.options });
  }
  const processes = [processFact(reply.agent, 'agent'), processFact(reply.sampler, 'sampler')].filter((p): p is ProcessFact => p !== undefined);
  const binaries: BinaryFact[] = reply.binaries.filter((b) => b.isElf).map((b) => ({ path: b.path, hasDwarf: b.hasDwarf, buildPaths: b.buildPaths }));
  const f = reply.samplerFile;
  return {
    kernelRelease: k?.release || undefined,
    btfPresent: k?.btfPresent,
    perfEventParanoid: int(k?.perfEventParanoid),
    unprivilegedBpfDisabled: int(k?.unprivilegedBpfDisabled),
    kptrRestrict: int(k?.kptrRestrict),
    lockdown: k?.lockdown || undefined,
    mounts,
    samplerFile: f?.exists ? { path: f.path, uid: f.uid, gid: f.gid, group: f.group || undefined, mode: f.mode, fileCaps: f.fileCapsText } : undefined,
    processes,
    sshUserIsRoot: reply.sshUserIsRoot,
    sshUser: reply.user,
    binaries,
    stacksTotal: reply.stacksTotal,
    stacksTruncated: reply.stacksShallow,
    kernelSymbolsResolvable: k ? k.kallsymsReadable || (reply.stacksTotal > 0 && reply.kernelFramesHidden === 0) : undefined,
    keychainAvailable: ctx.keychainAvailable,
    capSyslogOptIn: ctx.capSyslogOptIn,
    sysAdminConsent: ctx.sysAdminConsent,
  };
}
