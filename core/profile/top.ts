// Top functions by name: self (the function is the leaf) and total (the function is anywhere
// on the stack, counted once per stack however deep the recursion).
import { countsPerStack, forEachSampledFrame } from './aggregate';
import { frameNameIds } from './tree-builder';
import type { FrameKind, Profile, SampleRow } from './types';

export interface FunctionStat {
  readonly name: string;
  readonly kind: FrameKind;
  readonly self: number;
  readonly total: number;
}

export interface TopFunctions {
  /** Sorted by self, then total, then name. */
  readonly functions: readonly FunctionStat[];
  readonly totalSamples: number;
}

export function topFunctions(profile: Profile, options: { limit?: number; filter?: (row: SampleRow) => boolean } = {}): TopFunctions {
  const counts = countsPerStack(profile, options.filter);
  // A name's kind is its first frame's, as in the trees.
  const { byName, first } = frameNameIds(profile);
  const kindOf = (name: string): FrameKind => profile.frames[first[byName.get(name) ?? -1] ?? -1]?.kind ?? 'unknown';
  const stats = new Map<string, { name: string; kind: FrameKind; self: number; total: number; seen: number }>();
  const totalSamples = forEachSampledFrame(profile, counts, (frame, depth, samples, index) => {
    let stat = stats.get(frame.name);
    if (stat === undefined) {
      stat = { name: frame.name, kind: kindOf(frame.name), self: 0, total: 0, seen: -1 };
      stats.set(frame.name, stat);
    }
    if (depth === 0) stat.self += samples;
    if (stat.seen !== index) {
      stat.total += samples;
      stat.seen = index;
    }
  });
  return rankFunctions(
    [...stats.values()].map(({ name, kind, self, total }) => ({ name, kind, self, total })),
    totalSamples,
    options.limit,
  );
}

/** Sorted by self, then total, then name; at most `limit`. */
export function rankFunctions(stats: FunctionStat[], totalSamples: number, limit?: number): TopFunctions {
  const functions = stats.sort((a, b) => b.self - a.self || b.total - a.total || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { functions: limit === undefined ? functions : functions.slice(0, limit), totalSamples };
}
