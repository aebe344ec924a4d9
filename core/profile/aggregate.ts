import type { Frame, Profile, SampleRow } from './types';

/** Samples per stack index, summed over processes and threads (rows the filter rejects are left out). */
export function countsPerStack(profile: Profile, filter?: (row: SampleRow) => boolean): Float64Array {
  const counts = new Float64Array(profile.stacks.length);
  for (const row of profile.samples) {
    if (filter && !filter(row)) continue;
    counts[row.stack] = (counts[row.stack] ?? 0) + row.count;
  }
  return counts;
}

/**
 * Visits every frame of every sampled stack (leaf first, depth 0) with the stack's sample count;
 * returns the samples visited. The walk behind top functions and symbolization quality.
 */
export function forEachSampledFrame(
  profile: Profile,
  counts: Float64Array,
  visit: (frame: Frame, depth: number, samples: number, stackIndex: number) => void,
): number {
  let total = 0;
  counts.forEach((samples, index) => {
    const stack = profile.stacks[index];
    if (samples === 0 || stack === undefined) return;
    total += samples;
    stack.forEach((frameIndex, depth) => {
      const frame = profile.frames[frameIndex];
      if (frame !== undefined) visit(frame, depth, samples, index);
    });
  });
  return total;
}
