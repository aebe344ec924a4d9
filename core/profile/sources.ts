// Where a profile's frame names came from: per symbol source, and per reason a frame stayed
// unnamed, the distinct frames and the samples whose leaf they are. Frames that carry neither
// (imported files, older agents) are counted as not recorded.
import { countsPerStack, forEachSampledFrame } from './aggregate';
import { SYMBOL_SOURCES, UNNAMED_REASONS, type Profile, type SymbolSource, type UnnamedReason } from './types';

export interface SourceShare {
  /** Distinct frames. */
  readonly frames: number;
  /** Samples whose leaf frame is one of them. */
  readonly leafSamples: number;
}

export interface SymbolSourceCounts {
  readonly named: Readonly<Partial<Record<SymbolSource, SourceShare>>>;
  readonly unnamed: Readonly<Partial<Record<UnnamedReason, SourceShare>>>;
  /** Frames with neither a source nor a reason (status only). */
  readonly notRecorded: SourceShare;
  readonly totalSamples: number;
}

export function symbolSourceCounts(profile: Profile): SymbolSourceCounts {
  const named: Partial<Record<SymbolSource, { frames: number; leafSamples: number }>> = {};
  const unnamed: Partial<Record<UnnamedReason, { frames: number; leafSamples: number }>> = {};
  const notRecorded = { frames: 0, leafSamples: 0 };
  const slot = (f: { source?: SymbolSource; unnamed?: UnnamedReason }): { frames: number; leafSamples: number } => {
    if (f.source) return (named[f.source] ??= { frames: 0, leafSamples: 0 });
    if (f.unnamed) return (unnamed[f.unnamed] ??= { frames: 0, leafSamples: 0 });
    return notRecorded;
  };
  for (const f of profile.frames) slot(f).frames++;
  const totalSamples = forEachSampledFrame(profile, countsPerStack(profile), (frame, depth, samples) => {
    if (depth === 0) slot(frame).leafSamples += samples;
  });
  // Stable key order (the lists' order) for JSON output.
  const order = <K extends string>(keys: readonly K[], rec: Partial<Record<K, SourceShare>>): Partial<Record<K, SourceShare>> =>
    Object.fromEntries(keys.filter((k) => rec[k]).map((k) => [k, rec[k]])) as Partial<Record<K, SourceShare>>;
  return { named: order(SYMBOL_SOURCES, named), unnamed: order(UNNAMED_REASONS, unnamed), notRecorded, totalSamples };
}

/** One line for people: "names: 812 symtab, 40 debug-file; unnamed: 3 no-symbols (1.2 % of samples)". */
export function describeSymbolSources(c: SymbolSourceCounts): string {
  const part = (rec: Readonly<Partial<Record<string, SourceShare>>>): string =>
    Object.entries(rec)
      .map(([k, v]) => `${v?.frames ?? 0} ${k}`)
      .join(', ');
  const unnamedLeaf = Object.values(c.unnamed).reduce((s, v) => s + (v?.leafSamples ?? 0), 0);
  const share = c.totalSamples > 0 ? ` (leaf of ${((100 * unnamedLeaf) / c.totalSamples).toFixed(1)} % of samples)` : '';
  const named = part(c.named) || 'none recorded';
  const un = part(c.unnamed);
  return `frames named by ${named}${un ? `; unnamed: ${un}${share}` : ''}`;
}
