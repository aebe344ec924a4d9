// The time dimension of a capture: samples per time bucket (the strip above the graph,
// stacked by process) and the profile of a chosen range of buckets (what every view shows
// once the user selects a range).
import type { Profile, SampleRow, Timeline } from './types';

/** A range of time buckets, `from` included, `to` excluded. */
export interface BucketRange {
  readonly from: number;
  readonly to: number;
}

export interface TimelineSeries {
  /** Process name; OTHER_PROCESSES for the processes past the largest ones. */
  readonly comm: string;
  readonly counts: readonly number[];
  readonly total: number;
}

export interface TimelineCounts {
  readonly timeline: Timeline;
  /** Samples per bucket, all processes. */
  readonly totals: readonly number[];
  /** The largest processes first, then the rest together. */
  readonly series: readonly TimelineSeries[];
  /** Samples in rows without a bucket (a live view's merged rest): in no bucket's count. */
  readonly unplaced: number;
}

export const OTHER_PROCESSES = '[other processes]';

/** Samples per bucket, stacked by process name (the `maxSeries` largest, then the rest); undefined without a timeline. */
export function timelineCounts(profile: Profile, maxSeries = 6): TimelineCounts | undefined {
  const timeline = profile.meta.timeline;
  if (timeline === undefined || timeline.buckets <= 0) return undefined;
  const n = timeline.buckets;
  const totals = new Array<number>(n).fill(0);
  const byComm = new Map<string, number[]>();
  let unplaced = 0;
  for (const row of profile.samples) {
    if (row.bucket === undefined || row.bucket >= n) {
      unplaced += row.count;
      continue;
    }
    totals[row.bucket] = (totals[row.bucket] ?? 0) + row.count;
    let counts = byComm.get(row.comm);
    if (counts === undefined) {
      counts = new Array<number>(n).fill(0);
      byComm.set(row.comm, counts);
    }
    counts[row.bucket] = (counts[row.bucket] ?? 0) + row.count;
  }
  const all = [...byComm].map(([comm, counts]) => ({ comm, counts, total: counts.reduce((a, b) => a + b, 0) }));
  all.sort((a, b) => b.total - a.total || (a.comm < b.comm ? -1 : 1));
  const series: TimelineSeries[] = all.slice(0, maxSeries);
  const rest = all.slice(maxSeries);
  if (rest.length > 0) {
    const counts = new Array<number>(n).fill(0);
    for (const s of rest) s.counts.forEach((c, i) => (counts[i] = (counts[i] ?? 0) + c));
    series.push({ comm: OTHER_PROCESSES, counts, total: rest.reduce((a, s) => a + s.total, 0) });
  }
  return { timeline, totals, series, unplaced };
}

/** A range clipped to the profile's buckets; undefined when it is empty or the profile has no timeline. */
export function clipRange(profile: Profile, range: BucketRange): BucketRange | undefined {
  const buckets = profile.meta.timeline?.buckets ?? 0;
  const from = Math.max(0, Math.floor(range.from));
  const to = Math.min(buckets, Math.ceil(range.to));
  return to > from ? { from, to } : undefined;
}

/**
 * The profile of the buckets in `range`: the same frames and stacks, the rows of those
 * buckets, the times and the sample count of the range. Rows without a bucket belong to no
 * range. Without a timeline, or for the whole range, the profile itself.
 */
export function profileInRange(profile: Profile, range: BucketRange): Profile {
  const timeline = profile.meta.timeline;
  if (timeline === undefined) return profile;
  const r = clipRange(profile, range);
  if (r === undefined) return { ...profile, meta: { ...profile.meta, sampleCount: 0 }, samples: [] };
  if (r.from === 0 && r.to >= timeline.buckets && profile.samples.every((s) => s.bucket !== undefined)) return profile;
  const samples: SampleRow[] = profile.samples.filter((s) => s.bucket !== undefined && s.bucket >= r.from && s.bucket < r.to);
  let sampleCount = 0;
  for (const s of samples) sampleCount += s.count;
  const startTimeMs = timeline.startMs + r.from * timeline.bucketMs;
  const endTimeMs = Math.min(profile.meta.endTimeMs || Infinity, timeline.startMs + r.to * timeline.bucketMs);
  return { ...profile, meta: { ...profile.meta, sampleCount, startTimeMs, endTimeMs }, samples };
}

/** "12.0–18.0 s" of a range, seconds from the capture's start. */
export function describeRange(timeline: Timeline, range: BucketRange): string {
  const s = (bucket: number): string => ((bucket * timeline.bucketMs) / 1000).toFixed(1);
  return `${s(range.from)}–${s(range.to)} s`;
}
