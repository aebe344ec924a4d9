import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureEvent, FrameStatus } from '../../../core/protocol/generated/emberscope.generated';
import { buildFixtures, probeFixture, type Fixtures } from '../../test/helpers';
import { Symbolizer } from '../symbolize/symbolizer';
import { deltaToWire } from '../../../core/protocol/convert';
import { Aggregator } from './aggregator';
import { encodedSize, splitDelta } from './split';

let fx: Fixtures;
let maps = '';
let addrs: bigint[] = [];
beforeAll(async () => {
  fx = buildFixtures();
  ({ addrs, maps } = await probeFixture(fx.prog));
}, 120_000);
afterAll(() => fx?.cleanup());

const limits = { maxStacks: 100, maxFrames: 100, maxFramesPerStack: 64, maxMessageBytes: 1 << 20 };

function agg(l = limits): { a: Aggregator; s: Symbolizer } {
  const s = new Symbolizer({ procRoot: '/nonexistent', kallsymsPath: '/nonexistent' });
  const a = new Aggregator(l, s);
  a.onMaps(500, maps);
  return { a, s };
}

describe('Aggregator', () => {
  it('interns frames and stacks, sums counts per interval, defines ids before use', () => {
    const { a } = agg();
    const [alpha, beta] = [addrs[0] ?? 0n, addrs[1] ?? 0n];
    a.onStack({ type: 'stack', stackId: 1, kind: 0, ips: [alpha + 2n, beta + 1n] });
    a.onStack({ type: 'stack', stackId: 2, kind: 1, ips: [0xffffffff81000000n, 0xffffffff81000010n] });
    a.onCount({ type: 'count', tgid: 500, pid: 501, userStackId: 1, kernelStackId: 2, comm: 'prog', count: 5 });
    a.onCount({ type: 'count', tgid: 500, pid: 501, userStackId: 1, kernelStackId: 2, comm: 'prog', count: 2 });
    a.onCount({ type: 'count', tgid: 500, pid: 502, userStackId: 1, kernelStackId: -14, comm: 'prog', count: 1 });
    const d = deltaToWire(a.takeDelta({ type: 'stats', interval: 1, monoNs: 1n, samples: 8, lostMapFull: 1, lostUserStack: 0, lostKernelStack: 0, lostOther: 0, filtered: 0, idle: 0 }, 1000));
    // Hidden kernel (no kallsyms): one [kernel] frame, then the two user frames.
    expect(d.frames.map((f) => [f.name, f.status])).toEqual([
      ['[kernel]', FrameStatus.FRAME_STATUS_KERNEL_HIDDEN],
      ['fixture_alpha', FrameStatus.FRAME_STATUS_SYMBOLIZED],
      ['fixture_beta', FrameStatus.FRAME_STATUS_SYMBOLIZED],
    ]);
    expect(d.stacks).toEqual([
      { id: 1, frameIds: [1, 2, 3], truncated: false },
      { id: 2, frameIds: [2, 3], truncated: false },
    ]);
    expect(d.counts).toEqual([
      { stackId: 1, pid: 500, tid: 501, comm: 'prog', count: 7 },
      { stackId: 2, pid: 500, tid: 502, comm: 'prog', count: 1 },
    ]);
    expect(d.stats?.lost?.mapFull).toBe(1);
    expect(d.stats?.symbolization).toMatchObject({ symbolized: 2, kernelHidden: 1 });
    // Next interval: the same stack (redefined by the sampler under another id) is not sent again.
    a.onStack({ type: 'stack', stackId: 9, kind: 0, ips: [alpha + 2n, beta + 1n] });
    a.onCount({ type: 'count', tgid: 500, pid: 501, userStackId: 9, kernelStackId: -1, comm: 'prog', count: 3 });
    const d2 = deltaToWire(a.takeDelta(undefined, 2000));
    expect(d2.frames).toEqual([]);
    expect(d2.stacks).toEqual([]);
    expect(d2.counts).toEqual([{ stackId: 2, pid: 500, tid: 501, comm: 'prog', count: 3 }]);
  });

  it('counts what goes over the bounds and keeps every sample', () => {
    const { a } = agg({ maxStacks: 2, maxFrames: 1000, maxFramesPerStack: 3, maxMessageBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) {
      a.onStack({ type: 'stack', stackId: i, kind: 0, ips: Array.from({ length: 5 }, (_, j) => BigInt(0x1000 * (i + 1) + j)) });
      a.onCount({ type: 'count', tgid: 500, pid: 500, userStackId: i, kernelStackId: -1, comm: 'x', count: 10 });
    }
    a.onCount({ type: 'count', tgid: 500, pid: 500, userStackId: 77, kernelStackId: -1, comm: 'x', count: 1 });
    const d = deltaToWire(a.takeDelta(undefined, 0));
    const total = d.counts.reduce((n, c) => n + c.count, 0);
    expect(total).toBe(51);
    expect(d.stats?.overflow?.stacks).toBe(4); // 3 + the stack of the unknown id (limit reached)
    expect(d.stats?.overflow?.samples).toBe(31);
    expect(d.stats?.overflow?.truncatedFrames).toBe(5 * 2);
    expect(d.stats?.overflow?.records).toBe(1);
    expect(d.stacks.filter((s) => s.truncated).length).toBe(2);
    const overflowStack = d.stacks.find((s) => s.id === 3);
    expect(d.frames.find((f) => f.id === overflowStack?.frameIds[0])?.name).toBe('[stack limit reached]');
    expect(a.totals.overflow.stacks).toBe(4);
  });

  it('bounds the frame table', () => {
    const { a } = agg({ maxStacks: 1000, maxFrames: 4, maxFramesPerStack: 64, maxMessageBytes: 1 << 20 });
    a.onStack({ type: 'stack', stackId: 1, kind: 0, ips: Array.from({ length: 10 }, (_, j) => BigInt(0x7000 + j * 0x100)) });
    a.onCount({ type: 'count', tgid: 500, pid: 500, userStackId: 1, kernelStackId: -1, comm: 'x', count: 1 });
    const d = deltaToWire(a.takeDelta(undefined, 0));
    expect(d.frames.length).toBe(5); // 4 + the overflow frame
    expect(d.stats?.overflow?.frames).toBe(6);
  });

  it('splits a delta over the message bound into partial deltas, definitions first', () => {
    const { a } = agg({ maxStacks: 100_000, maxFrames: 100_000, maxFramesPerStack: 64, maxMessageBytes: 1 << 20 });
    for (let i = 0; i < 3000; i++) {
      a.onStack({ type: 'stack', stackId: i, kind: 0, ips: [BigInt(0x10000 + i * 16), BigInt(0x90000 + i * 16)] });
      a.onCount({ type: 'count', tgid: 500, pid: 500 + (i % 7), userStackId: i, kernelStackId: -1, comm: 'worker', count: 1 });
    }
    const d = deltaToWire(a.takeDelta(undefined, 0));
    const parts = splitDelta(d, 64 * 1024);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) expect(CaptureEvent.encode({ event: { $case: 'delta', value: p } }).finish().byteLength).toBeLessThanOrEqual(64 * 1024);
    expect(parts.slice(0, -1).every((p) => p.partial)).toBe(true);
    expect(parts[parts.length - 1]?.partial).toBe(false);
    const defined = new Set<number>();
    const stacks = new Set<number>();
    for (const p of parts) {
      for (const f of p.frames) defined.add(f.id);
      for (const s of p.stacks) {
        for (const f of s.frameIds) expect(defined.has(f)).toBe(true);
        stacks.add(s.id);
      }
      for (const c of p.counts) expect(stacks.has(c.stackId)).toBe(true);
    }
    expect(parts.reduce((n, p) => n + p.counts.length, 0)).toBe(d.counts.length);
    expect(encodedSize(d)).toBeGreaterThan(64 * 1024);
  });
});
