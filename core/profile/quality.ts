// Symbolization quality: how many frames, frame occurrences and samples carry each status.
import { countsPerStack, forEachSampledFrame } from './aggregate';
import { FRAME_STATUSES, type FrameStatus, type Profile } from './types';

export interface StatusShare {
  /** Distinct frames with this status. */
  readonly frames: number;
  /** Frame occurrences on sampled stacks, weighted by samples. */
  readonly occurrences: number;
  /** Samples whose leaf frame has this status. */
  readonly leafSamples: number;
}

export interface SymbolizationQuality {
  readonly byStatus: Readonly<Record<FrameStatus, StatusShare>>;
  readonly totalFrames: number;
  readonly totalOccurrences: number;
  readonly totalSamples: number;
  /** Fraction (0–1) of samples whose leaf is symbolized, JIT or a hidden kernel frame; 1 when there are no samples. */
  readonly resolvedLeafFraction: number;
}

const RESOLVED: ReadonlySet<FrameStatus> = new Set<FrameStatus>(['symbolized', 'jit', 'kernel-hidden']);

/** `symbolizationQuality(p).resolvedLeafFraction` without the rest: one pass over the sample rows. */
export function resolvedLeafFraction(profile: Profile): number {
  let total = 0;
  let resolved = 0;
  for (const row of profile.samples) {
    const stack = profile.stacks[row.stack];
    if (stack === undefined || row.count === 0) continue;
    total += row.count;
    const leaf = stack.length > 0 ? profile.frames[stack[0] as number] : undefined;
    if (leaf !== undefined && RESOLVED.has(leaf.status)) resolved += row.count;
  }
  return total === 0 ? 1 : resolved / total;
}

export function symbolizationQuality(profile: Profile): SymbolizationQuality {
  const mutable = Object.fromEntries(FRAME_STATUSES.map((s) => [s, { frames: 0, occurrences: 0, leafSamples: 0 }])) as Record<
    FrameStatus,
    { frames: number; occurrences: number; leafSamples: number }
  >;
  for (const frame of profile.frames) mutable[frame.status].frames++;
  let totalOccurrences = 0;
  const totalSamples = forEachSampledFrame(profile, countsPerStack(profile), (frame, depth, samples) => {
    mutable[frame.status].occurrences += samples;
    totalOccurrences += samples;
    if (depth === 0) mutable[frame.status].leafSamples += samples;
  });
  const resolved = [...RESOLVED].reduce((sum, status) => sum + mutable[status].leafSamples, 0);
  return {
    byStatus: mutable,
    totalFrames: profile.frames.length,
    totalOccurrences,
    totalSamples,
    resolvedLeafFraction: totalSamples === 0 ? 1 : resolved / totalSamples,
  };
}
