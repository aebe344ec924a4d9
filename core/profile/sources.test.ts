import { describe, expect, it } from 'vitest';
import { deltaToCore } from '../protocol/convert';
import { FrameKind, FrameStatus, type Frame as WireFrame } from '../protocol/generated/emberscope.generated';
import { ProfileBuilder } from './builder';
import { describeSymbolSources, symbolSourceCounts } from './sources';

const wire = (id: number, name: string, status: FrameStatus, source: string, unnamed: string): WireFrame => ({
  id, name, module: '/lib/libc.so.6', buildId: 'ab', file: '', line: 0, address: `0x${id}`, kind: FrameKind.FRAME_KIND_USER, status, mangled: '', source, unnamed,
});

describe('symbol sources of a profile', () => {
  it('counts distinct frames and leaf samples per source and per reason, from the wire through the builder', () => {
    const S = FrameStatus.FRAME_STATUS_SYMBOLIZED;
    const N = FrameStatus.FRAME_STATUS_NO_SYMBOLS;
    const delta = deltaToCore({
      seq: 1,
      partial: false,
      frames: [
        wire(1, 'malloc', S, 'dynsym', ''),
        wire(2, '__libc_start_call_main', S, 'debug-file', ''),
        wire(3, 'libc.so.6+0x10', N, '', 'build-id-mismatch'),
        wire(4, 'main', S, 'symtab', ''),
        wire(5, 'x', S, 'from-the-future', ''), // unknown to this app: not recorded
      ],
      stacks: [
        { id: 1, frameIds: [1, 4, 2], truncated: false },
        { id: 2, frameIds: [3, 4, 2], truncated: false },
        { id: 3, frameIds: [5], truncated: false },
      ],
      counts: [
        { stackId: 1, comm: 'c', pid: 1, tid: 1, count: 7 },
        { stackId: 2, comm: 'c', pid: 1, tid: 1, count: 3 },
        { stackId: 3, comm: 'c', pid: 1, tid: 1, count: 1 },
      ],
      stats: { interval: 1, monoNs: 0, samples: 11, lost: undefined, overflow: undefined, symbolization: undefined },
      timeMs: 0,
      processes: [],
    });
    const b = new ProfileBuilder({ hz: 99 });
    b.apply(delta);
    const c = symbolSourceCounts(b.snapshot());
    expect(c.named).toEqual({ symtab: { frames: 1, leafSamples: 0 }, dynsym: { frames: 1, leafSamples: 7 }, 'debug-file': { frames: 1, leafSamples: 0 } });
    expect(c.unnamed).toEqual({ 'build-id-mismatch': { frames: 1, leafSamples: 3 } });
    expect(c.notRecorded).toEqual({ frames: 1, leafSamples: 1 });
    expect(c.totalSamples).toBe(11);
    expect(describeSymbolSources(c)).toBe('frames named by 1 symtab, 1 dynsym, 1 debug-file; unnamed: 1 build-id-mismatch (leaf of 27.3 % of samples)');
  });

  it('refuses a frame whose source is not one it knows when it comes as a profile delta', () => {
    const b = new ProfileBuilder();
    const frame = { name: 'f', module: '', buildId: '', file: '', line: 0, address: '', kind: 'user', status: 'symbolized', source: 'nowhere' };
    expect(() => b.apply({ newFrames: [{ id: 1, frame: frame as never }], newStacks: [], counts: [], stats: { samples: 0, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } } })).toThrow(/source must be one of/);
  });
});
