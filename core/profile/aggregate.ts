import type { Profile, SampleRow } from './types';

/** Samples per stack index, summed over processes and threads (rows the filter rejects are left out). */
export function countsPerStack(profile: Profile, filter?: (row: SampleRow) => boolean): Float64Array {
  const counts = new Float64Array(profile.stacks.length);
  for (const row of profile.samples) {
    if (filter && !filter(row)) continue;
    counts[row.stack] = (counts[row.stack] ?? 0) + row.count;
  }
  return counts;
}
