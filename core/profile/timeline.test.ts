import { describe, expect, it } from 'vitest';
import { encodePprof } from '../pprof/encode';
import { decodePprof } from '../pprof/decode';
import { redactProfile } from '../redaction/redactor';
import { MAX_TIME_BUCKETS, ProfileBuilder, profileFromParts } from './builder';
import { buildFlameTree } from './flame';
import { describeRange, OTHER_PROCESSES, profileInRange, timelineCounts } from './timeline';
import { makeFrame, NO_LOST, type CaptureDelta } from './types';

const T0 = 1_700_000_000_000;
const stats = { samples: 0, lost: NO_LOST };

/** A capture of `seconds` one-second intervals: `hot` in every interval, `burst` only in seconds 3 and 4, from process "db". */
function capture(seconds: number): ProfileBuilder {
  const b = new ProfileBuilder({ hz: 99, startTimeMs: T0, timeline: { startMs: T0, bucketMs: 1000 } });
  for (let s = 0; s < seconds; s++) {
    const delta: CaptureDelta = {
      newFrames: s === 0 ? [{ id: 1, frame: makeFrame('main') }, { id: 2, frame: makeFrame('hot') }, { id: 3, frame: makeFrame('burst') }] : [],
      newStacks: s === 0 ? [{ id: 1, frames: [2, 1] }, { id: 2, frames: [3, 1] }] : [],
      counts: [
        { stackId: 1, comm: 'app', pid: 10, tid: 10, count: 10 },
        ...(s === 3 || s === 4 ? [{ stackId: 2, comm: 'db', pid: 20, tid: 20, count: 30 }] : []),
      ],
      stats,
      // The agent stamps a delta with the end of its interval, a few ms late.
      timeMs: T0 + (s + 1) * 1000 + 7,
    };
    b.apply(delta);
  }
  return b;
}

const names = (p: ReturnType<ProfileBuilder['snapshot']>): Record<string, number> =>
  Object.fromEntries(buildFlameTree(p).root.children.flatMap((main) => main.children.map((c) => [c.name, c.value])));

describe('the timeline of a capture', () => {
  it('keeps one bucket per interval, and the strip stacks the processes', () => {
    const p = capture(6).snapshot();
    expect(p.meta.timeline).toEqual({ startMs: T0, bucketMs: 1000, buckets: 6 });
    const t = timelineCounts(p);
    expect(t?.totals).toEqual([10, 10, 10, 40, 40, 10]);
    expect(t?.series.map((s) => [s.comm, s.counts])).toEqual([
      ['app', [10, 10, 10, 10, 10, 10]],
      ['db', [0, 0, 0, 30, 30, 0]],
    ]);
  });

  it('a range shows only its samples, and its times', () => {
    const p = capture(6).snapshot();
    const burst = profileInRange(p, { from: 3, to: 5 });
    expect(burst.meta.sampleCount).toBe(80);
    expect(burst.meta.startTimeMs).toBe(T0 + 3000);
    expect(burst.meta.endTimeMs).toBe(T0 + 5000);
    expect(names(burst)).toEqual({ hot: 20, burst: 60 });
    expect(names(profileInRange(p, { from: 0, to: 3 }))).toEqual({ hot: 30 });
    expect(profileInRange(p, { from: 0, to: 6 })).toBe(p);
    expect(profileInRange(p, { from: 9, to: 12 }).samples).toEqual([]);
    expect(describeRange(p.meta.timeline!, { from: 3, to: 5 })).toBe('3.0–5.0 s');
  });

  it('a long capture widens its buckets instead of growing without bound, and keeps every sample', () => {
    const b = capture(MAX_TIME_BUCKETS * 2 + 3);
    const p = b.snapshot();
    expect(p.meta.timeline?.bucketMs).toBe(4000);
    expect(p.meta.timeline?.buckets).toBeLessThanOrEqual(MAX_TIME_BUCKETS);
    expect(p.meta.sampleCount).toBe((MAX_TIME_BUCKETS * 2 + 3) * 10 + 60);
    const t = timelineCounts(p);
    expect(t?.totals.reduce((a, c) => a + c, 0)).toBe(p.meta.sampleCount);
    // Seconds 0–3 are bucket 0 now; the burst (seconds 3, 4) spans buckets 0 and 1.
    expect(t?.series.find((s) => s.comm === 'db')?.counts.slice(0, 3)).toEqual([30, 30, 0]);
    expect(p.samples.every((s) => s.bucket !== undefined && s.bucket < (p.meta.timeline?.buckets ?? 0))).toBe(true);
  });

  it('more processes than series: the rest are one series', () => {
    const b = new ProfileBuilder({ timeline: { startMs: T0, bucketMs: 1000 } });
    b.apply({
      newFrames: [{ id: 1, frame: makeFrame('f') }],
      newStacks: [{ id: 1, frames: [1] }],
      counts: Array.from({ length: 5 }, (_, i) => ({ stackId: 1, comm: `p${i}`, pid: i + 1, tid: i + 1, count: 10 - i })),
      stats,
      timeMs: T0 + 1000,
    });
    const t = timelineCounts(b.snapshot(), 2);
    expect(t?.series.map((s) => [s.comm, s.total])).toEqual([['p0', 10], ['p1', 9], [OTHER_PROCESSES, 8 + 7 + 6]]);
  });

  it('survives redaction and a pprof round trip, bucket for bucket', () => {
    const p = capture(6).snapshot();
    const redacted = redactProfile(p, { preset: 'all', key: new Uint8Array(32).fill(7) }).profile;
    expect(redacted.meta.timeline).toEqual(p.meta.timeline);
    expect(timelineCounts(redacted)?.totals).toEqual([10, 10, 10, 40, 40, 10]);
    const back = decodePprof(encodePprof(p));
    expect(back.meta.timeline).toEqual(p.meta.timeline);
    expect(timelineCounts(back)?.series.map((s) => s.counts)).toEqual(timelineCounts(p)?.series.map((s) => s.counts));
  });

  it('a file without a timeline has none, and a hostile bucket is refused or ignored', () => {
    const plain = new ProfileBuilder();
    plain.apply({ newFrames: [{ id: 1, frame: makeFrame('f') }], newStacks: [{ id: 1, frames: [1] }], counts: [{ stackId: 1, comm: 'x', pid: 1, tid: 1, count: 1 }], stats, timeMs: T0 });
    expect(plain.snapshot().meta.timeline).toBeUndefined();
    expect(timelineCounts(plain.snapshot())).toBeUndefined();
    expect(() => profileFromParts({ frames: [makeFrame('f')], stacks: [[0]], samples: [{ stack: 0, comm: 'x', pid: 1, tid: 1, count: 1, bucket: 3 }] })).toThrow(/bucket/);
    expect(() =>
      profileFromParts({ start: { timeline: { startMs: T0, bucketMs: 1000 } }, frames: [makeFrame('f')], stacks: [[0]], samples: [{ stack: 0, comm: 'x', pid: 1, tid: 1, count: 1, bucket: MAX_TIME_BUCKETS }] }),
    ).toThrow(/bucket/);
  });
});
