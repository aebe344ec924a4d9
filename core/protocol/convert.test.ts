import { describe, expect, it } from 'vitest';
import { FRAME_KINDS, FRAME_STATUSES, makeFrame } from '../profile/types';
import { deltaToCore, deltaToWire, frameKindFromCore, frameKindToCore, frameStatusFromCore, frameStatusToCore, type AgentDelta } from './convert';
import { CaptureEvent, FrameKind, FrameStatus } from './generated/emberscope.generated';

const delta: AgentDelta = {
  seq: 4,
  timeMs: 1700000000000,
  newFrames: [
    { id: 1, frame: makeFrame('main', { module: '/bin/x', address: '0x10' }), mangled: '' },
    { id: 2, frame: makeFrame('[kernel]', { kind: 'kernel', status: 'kernel-hidden' }), mangled: '' },
    { id: 3, frame: makeFrame('ns::f()', { status: 'no-symbols', kind: 'jit' }), mangled: '_ZN2ns1fEv' },
  ],
  newStacks: [{ id: 1, frames: [2, 3, 1], truncated: true }],
  counts: [{ stackId: 1, comm: 'x', pid: 2, tid: 3, count: 9 }],
  stats: { samples: 9, lost: { mapFull: 1, userStackErrors: 2, kernelStackErrors: 3, other: 4 } },
  processes: [{ pid: 2, comm: 'x', exe: '/bin/x', startTime: 5 }],
  facts: { interval: 7, monoNs: 8, overflow: { stacks: 0, frames: 0, truncatedFrames: 1, samples: 0, messages: 0, records: 0 }, symbolization: { symbolized: 1, noSymbols: 1, unreadable: 0, jit: 0, kernelHidden: 1 } },
};

describe('deltaToWire', () => {
  it('carries every field of the agent delta into the wire message', () => {
    const wire = deltaToWire(delta);
    expect(wire.frames.map((f) => [f.id, f.kind, f.status, f.mangled])).toEqual([
      [1, FrameKind.FRAME_KIND_USER, FrameStatus.FRAME_STATUS_SYMBOLIZED, ''],
      [2, FrameKind.FRAME_KIND_KERNEL, FrameStatus.FRAME_STATUS_KERNEL_HIDDEN, ''],
      [3, FrameKind.FRAME_KIND_JIT, FrameStatus.FRAME_STATUS_NO_SYMBOLS, '_ZN2ns1fEv'],
    ]);
    expect(wire.stacks).toEqual([{ id: 1, frameIds: [2, 3, 1], truncated: true }]);
    expect(wire.stats).toEqual({ interval: 7, monoNs: 8, samples: 9, lost: { mapFull: 1, userStack: 2, kernelStack: 3, other: 4 }, overflow: delta.facts.overflow, symbolization: delta.facts.symbolization });
    expect(wire.processes).toEqual(delta.processes);
    expect([wire.seq, wire.timeMs, wire.partial]).toEqual([4, 1700000000000, false]);
  });

  it('is undone by deltaToCore, through the wire codec', () => {
    const ev = CaptureEvent.decode(CaptureEvent.encode({ event: { $case: 'delta', value: deltaToWire(delta) } }).finish());
    if (ev.event?.$case !== 'delta') throw new Error('not a delta');
    const { seq: _seq, processes: _processes, facts: _facts, ...core } = delta;
    expect(deltaToCore(ev.event.value)).toEqual({
      ...core,
      newFrames: core.newFrames.map(({ id, frame }) => ({ id, frame })),
      newStacks: core.newStacks.map(({ id, frames }) => ({ id, frames })),
    });
  });
});

describe('frame enums', () => {
  it('round-trip every kind and status of the profile model; unknown wire values get the defaults', () => {
    for (const k of FRAME_KINDS) expect(frameKindToCore(frameKindFromCore(k))).toBe(k);
    for (const st of FRAME_STATUSES) expect(frameStatusToCore(frameStatusFromCore(st))).toBe(st);
    expect(new Set(FRAME_STATUSES.map(frameStatusFromCore)).size).toBe(FRAME_STATUSES.length);
    expect(frameKindToCore(99 as FrameKind)).toBe('unknown');
    expect(frameStatusToCore(99 as FrameStatus)).toBe('no-symbols');
  });
});
