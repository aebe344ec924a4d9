// Names on the desktop for frames the host could not name: frames with a build id and an ELF
// virtual address (the agent's unnamed frames) are looked up in a symbol file found for that
// build id (debuginfod here; later desktop directories). The host is never told: the profile
// is renamed where it is kept. A capture the host redacted in strict mode gets the same preset
// applied to the names found here (the caller's `redact`), like to any name.
import { ElfFile, lookupSymbol, type SymbolTable } from '../../../core/elf/elf';
import { profileFromParts } from '../../../core/profile/builder';
import type { Frame, Profile, SymbolSource, UnnamedReason } from '../../../core/profile/types';
import { fileByteSource } from './file-source';

/** A symbol file for a build id, or why there is none. */
export type SymbolFileLookup = (buildId: string) => Promise<{ readonly ok: true; readonly path: string } | { readonly ok: false; readonly why: UnnamedReason; readonly detail: string }>;

export interface DesktopNaming {
  readonly profile: Profile;
  /** Frames named here. */
  readonly named: number;
  /** Frames still unnamed, by reason. */
  readonly unnamed: Readonly<Partial<Record<UnnamedReason, number>>>;
  /** One line per build id that could not be served (for the log). */
  readonly problems: readonly string[];
}

/** Does this file have function symbols (a debug file or an unstripped executable)? */
export function hasFunctionSymbols(path: string): boolean {
  try {
    const elf = new ElfFile(fileByteSource(path));
    try {
      return elf.hasSymtabFunctions();
    } finally {
      elf.close();
    }
  } catch {
    return false;
  }
}

function symbolsOf(path: string): SymbolTable | undefined {
  const elf = new ElfFile(fileByteSource(path));
  try {
    const t = elf.functionSymbols();
    return t.count > 0 ? t : undefined;
  } finally {
    elf.close();
  }
}

function wanted(f: Frame): boolean {
  return f.kind === 'user' && f.status === 'no-symbols' && f.buildId !== '' && /^0x[0-9a-f]+$/.test(f.address);
}

export async function nameOnDesktop(profile: Profile, lookup: SymbolFileLookup, source: SymbolSource, redact: (f: Frame) => Frame = (f) => f): Promise<DesktopNaming> {
  const byId = new Map<string, number[]>();
  profile.frames.forEach((f, i) => {
    if (!wanted(f)) return;
    const list = byId.get(f.buildId) ?? [];
    list.push(i);
    byId.set(f.buildId, list);
  });
  const unnamed: Partial<Record<UnnamedReason, number>> = {};
  const problems: string[] = [];
  if (byId.size === 0) return { profile, named: 0, unnamed, problems };
  const frames = [...profile.frames];
  let named = 0;
  for (const [buildId, indices] of byId) {
    const found = await lookup(buildId);
    let table: SymbolTable | undefined;
    let why: UnnamedReason = 'no-symbols';
    if (found.ok) {
      try {
        table = symbolsOf(found.path);
      } catch (e) {
        problems.push(`${buildId}: ${(e as Error).message}`);
      }
    } else {
      why = found.why;
      problems.push(`${buildId}: ${found.detail}`);
    }
    for (const i of indices) {
      const f = frames[i] as Frame;
      const addr = parseInt(f.address.slice(2), 16);
      const k = table && Number.isSafeInteger(addr) ? lookupSymbol(table, addr) : -1;
      const name = k >= 0 && table ? table.name(k) : '';
      if (!table || !name) {
        const reason: UnnamedReason = table ? 'outside-symbols' : why;
        unnamed[reason] = (unnamed[reason] ?? 0) + 1;
        frames[i] = { ...f, unnamed: reason };
        continue;
      }
      const { unnamed: _drop, ...rest } = f;
      frames[i] = redact({ ...rest, name, address: `0x${(table.addrs[k] ?? addr).toString(16)}`, status: 'symbolized', source });
      named++;
    }
  }
  // Frames that became equal (two addresses of one function) are merged, and so are the stacks
  // and sample rows that became equal through them.
  const meta = profile.meta;
  const rebuilt = profileFromParts(
    {
      start: { hz: meta.hz, startTimeMs: meta.startTimeMs, endTimeMs: meta.endTimeMs, lost: meta.lost, overflow: meta.overflow, reportedSamples: meta.reportedSamples, comments: [...meta.comments] },
      frames,
      stacks: profile.stacks,
      samples: profile.samples,
    },
    { maxFrames: frames.length + 2, maxStacks: profile.stacks.length + 1, maxSampleRows: profile.samples.length + 1, maxStackDepth: Number.MAX_SAFE_INTEGER, maxCount: Number.MAX_SAFE_INTEGER, maxStringLength: Number.MAX_SAFE_INTEGER },
  );
  return { profile: { ...rebuilt, meta: { ...rebuilt.meta, ...meta } }, named, unnamed, problems };
}
