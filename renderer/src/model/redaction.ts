// The view's redaction: the panel's settings (core/redaction/settings.ts, the same module the
// export and the backend use) applied to the open profile with core's rules.
import type { ProfileTransform } from '../../../core/profile';
import { NO_LOST, type Profile } from '../../../core/profile/types';
import { Redactor, isRedactionOff, redactProfile, redactionOptionsOf, summarizeRedaction, type RedactionSettings } from '../../../core/redaction';

export interface ViewRedaction {
  readonly profile: Profile;
  /** e.g. "23 functions masked, 140 paths stripped" or "No redaction". */
  readonly summary: string;
  readonly active: boolean;
}

let viewKey: Uint8Array | null = null;
/** A random key for this window's masks: stable while toggling, never the export's key. */
function key(): Uint8Array {
  if (!viewKey) viewKey = crypto.getRandomValues(new Uint8Array(32));
  return viewKey;
}

export function redactForView(profile: Profile, settings: RedactionSettings): ViewRedaction {
  if (isRedactionOff(settings)) return { profile, summary: 'No redaction: names and paths are shown as captured', active: false };
  const result = redactProfile(profile, redactionOptionsOf(settings, key()));
  return { profile: result.profile, summary: summarizeRedaction(result.report), active: true };
}

export type ExportTransforms = { readonly ok: true; readonly transforms: readonly ProfileTransform[] } | { readonly ok: false; readonly message: string };

/**
 * The view's transforms in the captured names, for an export: the view makes them on the
 * redacted profile (masked names, renumbered processes), the export applies them before its
 * own redaction with its own key. Each shown name maps back through this window's key; a name
 * that stands for several captured ones (a hidden kernel frame, a shortened package) cannot
 * be exported as one step and is refused in plain words.
 */
export function transformsForExport(raw: Profile, settings: RedactionSettings, transforms: readonly ProfileTransform[]): ExportTransforms {
  if (transforms.length === 0 || isRedactionOff(settings)) return { ok: true, transforms };
  const redactor = new Redactor(redactionOptionsOf(settings, key()));
  const names = new Map<string, Set<string>>();
  for (const f of raw.frames) {
    const shown = redactor.redactFrame(f).name;
    let set = names.get(shown);
    if (!set) names.set(shown, (set = new Set()));
    set.add(f.name);
  }
  const rows = redactor.redactDelta({
    newFrames: [],
    newStacks: [],
    counts: raw.samples.map((r) => ({ stackId: r.stack, comm: r.comm, pid: r.pid, tid: r.tid, count: r.count })),
    stats: { samples: 0, lost: NO_LOST },
  }).counts;
  const pids = new Map<number, number>();
  const tids = new Map<number, number>();
  const comms = new Map<string, Set<string>>();
  rows.forEach((r, i) => {
    const orig = raw.samples[i];
    if (!orig) return;
    pids.set(r.pid, orig.pid);
    tids.set(r.tid, orig.tid);
    let set = comms.get(r.comm);
    if (!set) comms.set(r.comm, (set = new Set()));
    set.add(orig.comm);
  });
  class Ambiguous extends Error {}
  const one = (map: Map<string, Set<string>>, shown: string): string => {
    const set = map.get(shown);
    if (!set || set.size === 0) return shown;
    if (set.size > 1) throw new Ambiguous(`"${shown}" stands for ${set.size} different names under this redaction`);
    return [...set][0] as string;
  };
  try {
    const out = transforms.map((t): ProfileTransform => {
      switch (t.type) {
        case 'focus-function':
        case 'merge-function':
        case 'collapse-recursion':
          return { ...t, name: one(names, t.name) };
        case 'focus-subtree':
          return { type: t.type, path: t.path.map((n) => one(names, n)), ...(t.comm !== undefined ? { comm: one(comms, t.comm) } : {}) };
        case 'only-processes':
          return { type: t.type, pids: t.pids.map((p) => pids.get(p) ?? p) };
        case 'only-threads':
          return { type: t.type, tids: t.tids.map((p) => tids.get(p) ?? p) };
      }
    });
    return { ok: true, transforms: out };
  } catch (e) {
    if (e instanceof Ambiguous) return { ok: false, message: `${e.message}: export without the transforms, or turn that redaction rule off.` };
    throw e;
  }
}
