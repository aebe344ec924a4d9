// The agent's Posture reply → core/warnings' evidence → warnings for the UI and the CLI.
import {
  evaluatePosture,
  hasBlocker,
  parseCapabilityMask,
  type PostureEvidence,
  type Warning,
} from '../../core/warnings';
import type { CapabilitySets as WireCaps, IntFact, PostureReply } from '../../core/protocol/generated/emberscope.generated';
import type { JsonValue, WarningView } from './types';

function intFact(f: IntFact | undefined): number | undefined {
  return f?.present ? f.value : undefined;
}

function caps(c: WireCaps | undefined): { inheritable: string[]; permitted: string[]; effective: string[]; bounding: string[]; ambient: string[] } | undefined {
  if (!c) return undefined;
  const m = (hex: string): string[] => {
    try {
      return parseCapabilityMask(hex);
    } catch {
      return [];
    }
  };
  return { inheritable: m(c.inheritable), permitted: m(c.permitted), effective: m(c.effective), bounding: m(c.bounding), ambient: m(c.ambient) };
}

export interface EvidenceExtras {
  readonly keychainAvailable: boolean;
  readonly capSyslogOptIn: boolean;
  readonly sysAdminConsent: boolean;
}

export function postureToEvidence(reply: PostureReply, extras: EvidenceExtras): PostureEvidence {
  const k = reply.kernel;
  const processes = [reply.agent, reply.sampler]
    .filter((p): p is NonNullable<typeof p> => p !== undefined && p.present)
    .map((p) => ({ role: p.role === 'sampler' ? ('sampler' as const) : ('agent' as const), pid: p.pid, caps: caps(p.caps) }));
  const sf = reply.samplerFile;
  return {
    kernelRelease: k?.release || undefined,
    btfPresent: k?.btfPresent,
    perfEventParanoid: intFact(k?.perfEventParanoid),
    unprivilegedBpfDisabled: intFact(k?.unprivilegedBpfDisabled),
    kptrRestrict: intFact(k?.kptrRestrict),
    lockdown: k?.lockdown || undefined,
    mounts: reply.mounts
      .filter((m) => m.found)
      .map((m) => ({ role: m.role === 'install' || m.role === 'cache' ? m.role : 'sampler', path: m.path, mountPoint: m.mountPoint, options: m.options })),
    samplerFile: sf && sf.exists ? { path: sf.path, uid: sf.uid, gid: sf.gid, group: sf.group, mode: sf.mode, fileCaps: sf.fileCapsText } : undefined,
    processes,
    sshUserIsRoot: reply.sshUserIsRoot,
    sshUser: reply.user,
    binaries: reply.binaries.map((b) => ({ path: b.path, hasDwarf: b.hasDwarf, buildPaths: b.buildPaths })),
    stacksTotal: reply.stacksTotal || undefined,
    stacksTruncated: reply.stacksTotal ? reply.stacksShallow : undefined,
    kernelSymbolsResolvable: k?.kallsymsReadable,
    keychainAvailable: extras.keychainAvailable,
    capSyslogOptIn: extras.capSyslogOptIn,
    sysAdminConsent: extras.sysAdminConsent,
  };
}

export function toWarningView(w: Warning): WarningView {
  return { id: w.id, severity: w.severity, title: w.title, evidence: w.evidence.join('\n'), why: w.why, remediation: w.remediation };
}

export function warningsFor(evidence: PostureEvidence, options: { samplerPath: string; host: string }): { warnings: WarningView[]; blocker: boolean } {
  const warnings = evaluatePosture(evidence, options);
  return { warnings: warnings.map(toWarningView), blocker: hasBlocker(warnings) };
}

/** A JSON-safe copy (drops undefined, Uint8Array → base64). */
export function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)) ?? 'null') as JsonValue;
}
