import { describe, expect, it } from 'vitest';
import { liveSnapshot } from './live';
import { timelineCounts } from './timeline';
import { makeFrame, NO_LOST, NO_OVERFLOW, type Profile } from './types';

function profile(rows: number): Profile {
  const frames = Array.from({ length: rows + 1 }, (_, i) => makeFrame(i === 0 ? 'main' : `leaf${i}`));
  const stacks = Array.from({ length: rows }, (_, i) => [i + 1, 0]);
  const samples = stacks.map((_, i) => ({ stack: i, comm: 'svc', pid: 10, tid: 10 + (i % 3), count: i + 1 }));
  const sampleCount = samples.reduce((a, s) => a + s.count, 0);
  return {
    meta: { hz: 99, periodNs: 1e9 / 99, startTimeMs: 1, endTimeMs: 2, sampleCount, reportedSamples: sampleCount, lost: NO_LOST, overflow: NO_OVERFLOW, comments: [] },
    frames,
    stacks,
    samples,
  };
}

describe('liveSnapshot', () => {
  it('returns a small profile as it is', () => {
    const p = profile(10);
    expect(liveSnapshot(p, 10)).toBe(p);
  });

  it('keeps the heaviest rows, merges the rest into one row, and keeps every sample', () => {
    const p = profile(1000);
    const s = liveSnapshot(p, 100);
    expect(s.samples).toHaveLength(100);
    expect(s.samples.reduce((a, r) => a + r.count, 0)).toBe(p.meta.sampleCount);
    // The 99 kept rows are the heaviest (counts 1000 down to 902), with their own frames.
    const kept = s.samples.slice(0, 99);
    expect(kept.map((r) => r.count)).toEqual(Array.from({ length: 99 }, (_, i) => 1000 - i));
    for (const r of kept) expect(s.frames[s.stacks[r.stack]?.[0] ?? -1]?.name).toBe(`leaf${r.count}`);
    const other = s.samples[99];
    expect(other?.comm).toBe('[other]');
    expect(s.frames[s.stacks[other?.stack ?? -1]?.[0] ?? -1]?.name).toBe('[901 smaller stacks: shown when the capture is saved]');
    // Only the frames the snapshot uses: 99 leaves, main, the merged row's frame.
    expect(s.frames).toHaveLength(101);
    expect(s.meta).toBe(p.meta);
  });

  it('merges the rest per time bucket, so the timeline still counts every sample of every second', () => {
    const base = profile(1000);
    const p: Profile = {
      ...base,
      meta: { ...base.meta, timeline: { startMs: 1, bucketMs: 1000, buckets: 4 } },
      samples: base.samples.map((r, i) => ({ ...r, bucket: i % 4 })),
    };
    const s = liveSnapshot(p, 100);
    expect(timelineCounts(s)?.totals).toEqual(timelineCounts(p)?.totals);
    expect(timelineCounts(s)?.unplaced).toBe(0);
    expect(s.samples.filter((r) => r.comm === '[other]')).toHaveLength(4);
  });
});
