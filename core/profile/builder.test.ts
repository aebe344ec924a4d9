import { describe, expect, it } from 'vitest';
import { EmberError } from '../errors';
import { ProfileBuilder, OVERFLOW_COMM, profileFromParts } from './builder';
import { makeFrame, NO_LOST, type CaptureDelta } from './types';
import { deltaFromPaths, pathOf } from '../testing/fixtures';

const stats = { samples: 0, lost: NO_LOST };

function expectBadInput(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EmberError);
    expect((e as EmberError).code).toBe('BAD_INPUT');
    expect((e as EmberError).message).toMatch(message);
    return;
  }
  throw new Error('expected an EmberError');
}

describe('ProfileBuilder', () => {
  it('merges deltas that refer to frames and stacks of earlier deltas', () => {
    const b = new ProfileBuilder({ hz: 99, startTimeMs: 1000 });
    b.apply({
      newFrames: [{ id: 7, frame: makeFrame('leaf') }, { id: 9, frame: makeFrame('main') }],
      newStacks: [{ id: 3, frames: [7, 9] }],
      counts: [{ stackId: 3, comm: 'app', pid: 1, tid: 2, count: 5 }],
      stats: { samples: 6, lost: { mapFull: 1, userStackErrors: 0, kernelStackErrors: 0, other: 0 } },
      timeMs: 2000,
    });
    b.apply({
      newFrames: [],
      newStacks: [],
      counts: [{ stackId: 3, comm: 'app', pid: 1, tid: 2, count: 4 }, { stackId: 3, comm: 'app', pid: 1, tid: 3, count: 1 }],
      stats: { samples: 5, lost: { mapFull: 0, userStackErrors: 2, kernelStackErrors: 0, other: 0 } },
      timeMs: 3000,
    });
    const p = b.snapshot();
    expect(p.frames.map((f) => f.name)).toEqual(['leaf', 'main']);
    expect(p.stacks).toEqual([[0, 1]]);
    expect(p.samples).toEqual([
      { stack: 0, comm: 'app', pid: 1, tid: 2, count: 9 },
      { stack: 0, comm: 'app', pid: 1, tid: 3, count: 1 },
    ]);
    expect(p.meta).toMatchObject({ hz: 99, periodNs: 10101010, startTimeMs: 1000, endTimeMs: 3000, sampleCount: 10, reportedSamples: 11 });
    expect(p.meta.lost).toEqual({ mapFull: 1, userStackErrors: 2, kernelStackErrors: 0, other: 0 });
  });

  it('interns equal frames and stacks sent under different ids', () => {
    const b = new ProfileBuilder();
    b.apply({
      newFrames: [{ id: 1, frame: makeFrame('f') }, { id: 2, frame: makeFrame('f') }],
      newStacks: [{ id: 1, frames: [1] }, { id: 2, frames: [2] }],
      counts: [{ stackId: 1, comm: 'a', pid: 1, tid: 1, count: 1 }, { stackId: 2, comm: 'a', pid: 1, tid: 1, count: 2 }],
      stats,
    });
    const p = b.snapshot();
    expect(p.frames).toHaveLength(1);
    expect(p.stacks).toHaveLength(1);
    expect(p.samples).toEqual([{ stack: 0, comm: 'a', pid: 1, tid: 1, count: 3 }]);
  });

  it('normalizes addresses and build ids', () => {
    const b = new ProfileBuilder();
    b.apply({ newFrames: [{ id: 0, frame: makeFrame('f', { address: '0x00007F12AB', buildId: 'ABCDEF' }) }], newStacks: [], counts: [], stats });
    expect(b.snapshot().frames[0]).toMatchObject({ address: '0x7f12ab', buildId: 'abcdef' });
  });

  it.each([
    ['a negative count', { counts: [{ stackId: 0, comm: 'a', pid: 1, tid: 1, count: -1 }] }, /negative/],
    ['a huge count', { counts: [{ stackId: 0, comm: 'a', pid: 1, tid: 1, count: 2 ** 50 }] }, /more than/],
    ['a fractional count', { counts: [{ stackId: 0, comm: 'a', pid: 1, tid: 1, count: 1.5 }] }, /integer/],
    ['an unknown stack', { counts: [{ stackId: 42, comm: 'a', pid: 1, tid: 1, count: 1 }] }, /stack id 42.*never defined/],
    ['an unknown frame', { newStacks: [{ id: 1, frames: [0, 99] }] }, /frame id 99.*never defined/],
    ['a redefined frame', { newFrames: [{ id: 0, frame: makeFrame('again') }] }, /frame id 0 is defined twice/],
    ['a bad pid', { counts: [{ stackId: 0, comm: 'a', pid: -3, tid: 1, count: 1 }] }, /pid/],
    ['a bad kind', { newFrames: [{ id: 5, frame: { ...makeFrame('x'), kind: 'evil' } }] }, /kind must be one of/],
    ['a bad address', { newFrames: [{ id: 5, frame: makeFrame('x', { address: '12345' }) }] }, /address must be hex/],
  ])('rejects %s with a clear error and keeps its state', (_what, patch, message) => {
    const b = new ProfileBuilder();
    b.apply(deltaFromPaths([['main;f', 1]]));
    const before = b.snapshot();
    const delta = { newFrames: [], newStacks: [], counts: [], stats, ...patch } as unknown as CaptureDelta;
    expectBadInput(() => b.apply(delta), message);
    expect(b.snapshot()).toEqual(before);
  });

  it('counts stacks over the limit and attributes their samples to an overflow stack', () => {
    const b = new ProfileBuilder({}, { maxStacks: 2 });
    b.apply(deltaFromPaths([['a', 1], ['b', 2], ['c', 3], ['d', 4]]));
    const p = b.snapshot();
    expect(p.meta.overflow.stacks).toBe(2);
    expect(p.meta.overflow.samples).toBe(7);
    expect(p.meta.sampleCount).toBe(10);
    const overflowRows = p.samples.filter((s) => pathOf(p, s.stack) === '[stack limit reached]');
    expect(overflowRows.reduce((a, s) => a + s.count, 0)).toBe(7);
    // A later delta referring to a dropped stack is accepted: its samples are counted too.
    b.apply({ newFrames: [], newStacks: [], counts: [{ stackId: 3, comm: 'app', pid: 100, tid: 100, count: 5 }], stats });
    expect(b.snapshot().meta.overflow.samples).toBe(12);
  });

  it('counts frames over the limit and keeps the stack shape with an overflow frame', () => {
    const b = new ProfileBuilder({}, { maxFrames: 2 });
    b.apply(deltaFromPaths([['a;b;c;d', 1]]));
    const p = b.snapshot();
    expect(p.meta.overflow.frames).toBe(2);
    // The fixture defines frames leaf-first, so the root-side ones hit the limit.
    expect(pathOf(p, 0)).toBe('[frame limit reached];[frame limit reached];c;d');
  });

  it('truncates deep stacks keeping the leaf-most frames', () => {
    const b = new ProfileBuilder({}, { maxStackDepth: 2 });
    b.apply(deltaFromPaths([['root;mid;leaf', 1]]));
    const p = b.snapshot();
    expect(pathOf(p, 0)).toBe('mid;leaf');
    expect(p.meta.overflow.truncatedFrames).toBe(1);
  });

  it('spills rows over the row limit into one row per stack', () => {
    const b = new ProfileBuilder({}, { maxSampleRows: 1 });
    b.apply(deltaFromPaths([['a', 1]]));
    b.apply({ newFrames: [], newStacks: [], counts: [2, 3, 4].map((pid) => ({ stackId: 0, comm: 'x', pid, tid: pid, count: 1 })), stats });
    const p = b.snapshot();
    expect(p.samples).toHaveLength(2);
    expect(p.samples[1]).toMatchObject({ comm: OVERFLOW_COMM, pid: 0, count: 3 });
    expect(p.meta.overflow.samples).toBe(3);
    expect(p.meta.sampleCount).toBe(4);
  });

  it('truncates over-long strings and counts them', () => {
    const b = new ProfileBuilder({}, { maxStringLength: 8 });
    b.apply({ newFrames: [{ id: 0, frame: makeFrame('x'.repeat(100)) }], newStacks: [{ id: 0, frames: [0] }], counts: [{ stackId: 0, comm: 'y'.repeat(20), pid: 1, tid: 1, count: 1 }], stats });
    const p = b.snapshot();
    expect(p.frames[0]?.name).toHaveLength(8);
    expect(p.samples[0]?.comm).toHaveLength(8);
    expect(p.meta.overflow.truncatedStrings).toBe(2);
  });

  it('bounds the characters of all stored strings: over the budget frames and rows overflow, counted', () => {
    // Each frame holds its name plus a 4-character address; 3 frames of 100 fit in 350.
    const b = new ProfileBuilder({}, { maxStringChars: 350 });
    const newFrames = [0, 1, 2, 3, 4].map((id) => ({ id, frame: makeFrame(String(id).repeat(96), { address: '0x10' }) }));
    b.apply({ newFrames, newStacks: newFrames.map((f) => ({ id: f.id, frames: [f.id] })), counts: [{ stackId: 4, comm: 'a', pid: 1, tid: 1, count: 2 }], stats });
    b.apply({ newFrames: [], newStacks: [], counts: [{ stackId: 0, comm: 'c'.repeat(60), pid: 2, tid: 2, count: 3 }], stats });
    const p = b.snapshot();
    expect(p.meta.overflow.frames).toBe(2);
    expect(p.frames.filter((f) => f.name.length === 96)).toHaveLength(3);
    // The frame refused became the overflow frame; the row over the budget went to the overflow row.
    expect(p.meta.overflow.samples).toBe(3);
    expect(p.samples.map((r) => r.comm)).toEqual(['a', OVERFLOW_COMM]);
    expect(p.meta.sampleCount).toBe(5);
  });

  it('refuses running totals that would pass 2^53 (they would silently lose samples)', () => {
    const b = new ProfileBuilder();
    const big = { samples: Number.MAX_SAFE_INTEGER, lost: NO_LOST };
    b.apply({ ...deltaFromPaths([['a', 1]]), stats: big });
    expectBadInput(() => b.apply({ newFrames: [], newStacks: [], counts: [], stats: big }), /reported sample count would overflow/);
    const lost = { samples: 0, lost: { ...NO_LOST, other: Number.MAX_SAFE_INTEGER } };
    b.apply({ newFrames: [], newStacks: [], counts: [], stats: lost });
    expectBadInput(() => b.apply({ newFrames: [], newStacks: [], counts: [], stats: lost }), /lost samples \(other\) would overflow/);
    expect(b.snapshot().meta.reportedSamples).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('snapshots are not changed by later deltas', () => {
    const b = new ProfileBuilder();
    b.apply(deltaFromPaths([['a', 1]]));
    const first = b.snapshot();
    b.apply({ newFrames: [], newStacks: [], counts: [{ stackId: 0, comm: 'app', pid: 100, tid: 100, count: 5 }], stats });
    expect(first.samples[0]?.count).toBe(1);
    expect(b.snapshot().samples[0]?.count).toBe(6);
  });

  it('profileFromParts checks references', () => {
    expectBadInput(() => profileFromParts({ frames: [makeFrame('a')], stacks: [[0, 1]], samples: [] }), /frame id 1/);
  });
});

describe('ProfileBuilder rows', () => {
  it('keeps rows of a stack sampled in many threads apart, in first-seen order', () => {
    const b = new ProfileBuilder();
    b.apply(deltaFromPaths([['a', 1]]));
    const counts = Array.from({ length: 40 }, (_, i) => ({ stackId: 0, comm: `t${i % 20}`, pid: 1, tid: i % 20, count: 1 }));
    b.apply({ newFrames: [], newStacks: [], counts, stats });
    const p = b.snapshot();
    expect(p.samples).toHaveLength(21);
    expect(p.samples.slice(1).map((s) => s.count)).toEqual(Array(20).fill(2));
    expect(p.samples[5]).toMatchObject({ comm: 't4', tid: 4 });
    expect(p.meta.sampleCount).toBe(41);
  });
});
