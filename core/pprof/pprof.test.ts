import { describe, expect, it } from 'vitest';
import { Function as PFunction, Line, Location, Mapping, Profile as PProfile, Sample, StringTable, ValueType } from 'pprof-format';
import type { EmberError } from '../errors';
import { ProfileBuilder } from '../profile/builder';
import { makeFrame, type Profile } from '../profile/types';
import { decodePprof } from './decode';
import { encodePprof } from './encode';
import { scanTopLevel } from './scan';
import { pathOf } from '../testing/fixtures';

export function sampleProfile(): Profile {
  const b = new ProfileBuilder({ hz: 99, startTimeMs: 1_700_000_000_000, endTimeMs: 1_700_000_005_000, comments: ['capture of web-1'] });
  b.apply({
    newFrames: [
      { id: 1, frame: makeFrame('main.hashLoop', { module: '/srv/app/bin/server', buildId: 'ab12cd', file: '/home/dev/app/main.go', line: 42, address: '0x401000' }) },
      { id: 2, frame: makeFrame('main.main', { module: '/srv/app/bin/server', buildId: 'ab12cd', file: '/home/dev/app/main.go', line: 10, address: '0x401200' }) },
      { id: 3, frame: makeFrame('do_syscall_64', { kind: 'kernel', address: '0xffffffff81000010' }) },
      { id: 4, frame: makeFrame('libc.so.6+0x1234', { module: '/usr/lib/x86_64-linux-gnu/libc.so.6', address: '0x7f0000001234', status: 'no-symbols' }) },
      { id: 5, frame: makeFrame('LazyCompile:*render /app/x.js:3', { kind: 'jit', status: 'jit', module: '/tmp/perf-77.map', address: '0x3a00' }) },
    ],
    newStacks: [
      { id: 10, frames: [1, 2] },
      { id: 11, frames: [3, 4, 2] },
      { id: 12, frames: [5] },
    ],
    counts: [
      { stackId: 10, comm: 'server', pid: 500, tid: 501, count: 70 },
      { stackId: 11, comm: 'server', pid: 500, tid: 502, count: 20 },
      { stackId: 12, comm: 'node', pid: 77, tid: 77, count: 10 },
    ],
    stats: { samples: 103, lost: { mapFull: 1, userStackErrors: 2, kernelStackErrors: 0, other: 0 } },
  });
  return b.snapshot();
}

describe('pprof encode/decode', () => {
  it('round-trips frames, stacks, samples and metadata exactly', () => {
    const original = sampleProfile();
    const bytes = encodePprof(original);
    expect(bytes).toBeInstanceOf(Uint8Array);
    const back = decodePprof(bytes);
    expect(back.frames).toEqual(original.frames);
    expect(back.stacks).toEqual(original.stacks);
    expect(back.samples).toEqual(original.samples);
    expect(back.meta).toEqual(original.meta);
  });

  it('round-trips kinds and statuses that cannot be inferred, listing only those in a comment', () => {
    const b = new ProfileBuilder({ hz: 49 });
    b.apply({
      newFrames: [
        { id: 0, frame: makeFrame('[unknown]', { kind: 'unknown', status: 'unreadable' }) },
        { id: 1, frame: makeFrame('0xffffffff81000000', { kind: 'kernel', status: 'unreadable', address: '0xffffffff81000000' }) },
        { id: 2, frame: makeFrame('[kernel]', { kind: 'kernel', status: 'kernel-hidden' }) },
        { id: 3, frame: makeFrame('ok', { kind: 'user' }) },
      ],
      newStacks: [{ id: 0, frames: [0, 1, 2, 3] }],
      counts: [{ stackId: 0, comm: 'x', pid: 1, tid: 1, count: 1 }],
      stats: { samples: 1, lost: { mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 } },
    });
    const original = b.snapshot();
    const bytes = encodePprof(original);
    const back = decodePprof(bytes);
    expect(back.frames).toEqual(original.frames);
    const p = PProfile.decode(bytes);
    const codes = p.comment.map((c) => p.stringTable.strings[Number(c)]).filter((c) => c?.startsWith('emberscope:frames'));
    expect(codes).toEqual(['emberscope:frames:v1:0r,1h']);
  });

  it('writes the sample types, period and time fields that pprof tools expect', () => {
    const p = PProfile.decode(encodePprof(sampleProfile()));
    const s = p.stringTable.strings;
    expect(p.sampleType.map((t) => `${s[Number(t.type)]}/${s[Number(t.unit)]}`)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(`${s[Number(p.periodType?.type)]}/${s[Number(p.periodType?.unit)]}`).toBe('cpu/nanoseconds');
    expect(Number(p.period)).toBe(10101010);
    expect(BigInt(p.timeNanos)).toBe(1_700_000_000_000_000_000n);
    expect(Number(p.durationNanos)).toBe(5e9);
    expect(p.sample[0]?.value.map(Number)).toEqual([70, 70 * 10101010]);
    expect(p.mapping.every((m) => m.hasFunctions)).toBe(true);
    const server = p.mapping.find((m) => s[Number(m.filename)] === '/srv/app/bin/server');
    expect(server && s[Number(server.buildId)]).toBe('ab12cd');
    expect(server?.hasLineNumbers).toBe(true);
    expect(p.mapping.some((m) => s[Number(m.filename)] === '[kernel.kallsyms]')).toBe(true);
  });

  it('decodes a foreign profile: inlined lines, time-only values, no emberscope comments', () => {
    const st = new StringTable();
    const foreign = new PProfile({
      sampleType: [new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') })],
      periodType: new ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }),
      period: 10_000_000,
      mapping: [new Mapping({ id: 1, filename: st.dedup('/bin/prog'), buildId: st.dedup('not hex!') })],
      function: [new PFunction({ id: 1, name: st.dedup('inner') }), new PFunction({ id: 2, name: st.dedup('outer') }), new PFunction({ id: 3, name: st.dedup('main') })],
      location: [
        new Location({ id: 1, mappingId: 1, address: 0x10, line: [new Line({ functionId: 1 }), new Line({ functionId: 2 })] }),
        new Location({ id: 2, mappingId: 1, address: 0x20, line: [new Line({ functionId: 3 })] }),
        new Location({ id: 3, mappingId: 1, address: 0x30 }),
      ],
      sample: [new Sample({ locationId: [1, 2], value: [30_000_000] }), new Sample({ locationId: [3, 2], value: [10_000_000] })],
      stringTable: st,
    });
    const p = decodePprof(foreign.encode());
    expect(p.meta.hz).toBe(100);
    expect(p.samples.map((s) => [pathOf(p, s.stack), s.count])).toEqual([
      ['main;outer;inner', 3],
      ['main;prog+0x30', 1],
    ]);
    expect(p.frames.find((f) => f.name === 'prog+0x30')?.status).toBe('no-symbols');
    expect(p.frames.every((f) => f.buildId === '')).toBe(true);
  });

  it.each([
    ['a string index out of range', () => new PProfile({ sampleType: [new ValueType({ type: 99, unit: 1 })], stringTable: new StringTable() }), /string 99/],
    ['a missing location', () => {
      const st = new StringTable();
      return new PProfile({ sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })], sample: [new Sample({ locationId: [5], value: [1] })], stringTable: st });
    }, /location 5/],
    ['a missing function', () => {
      const st = new StringTable();
      return new PProfile({ sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })], location: [new Location({ id: 1, line: [new Line({ functionId: 9 })] })], stringTable: st });
    }, /function 9/],
    ['a negative value', () => {
      const st = new StringTable();
      return new PProfile({ sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })], sample: [new Sample({ locationId: [], value: [-5] })], stringTable: st });
    }, /negative/],
    ['no sample types', () => new PProfile({ stringTable: new StringTable() }), /no sample types/],
  ])('rejects %s with BAD_INPUT', (_what, make, message) => {
    const bytes = make().encode();
    expect(() => decodePprof(bytes)).toThrowError(message);
    try {
      decodePprof(bytes);
    } catch (e) {
      expect((e as EmberError).code).toBe('BAD_INPUT');
    }
  });

  it('cuts stacks that inlined lines make deeper than the limit, and counts the cut frames', () => {
    const st = new StringTable();
    const fn = new PFunction({ id: 1, name: st.dedup('f') });
    const deep = new Location({ id: 1, line: Array.from({ length: 50 }, () => new Line({ functionId: 1 })) });
    const bytes = new PProfile({
      sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })],
      function: [fn],
      location: [deep],
      sample: [new Sample({ locationId: [1, 1, 1], value: [1] })],
      stringTable: st,
    }).encode();
    const p = decodePprof(bytes, { limits: { maxStackDepth: 64 } });
    expect(p.stacks[0]).toHaveLength(64);
    expect(p.meta.overflow.truncatedFrames).toBe(86);
  });

  it('scanTopLevel counts the same records the full decoder finds', () => {
    const bytes = encodePprof(sampleProfile());
    const full = PProfile.decode(bytes);
    expect(scanTopLevel(bytes)).toEqual({
      samples: full.sample.length,
      mappings: full.mapping.length,
      locations: full.location.length,
      functions: full.function.length,
      strings: full.stringTable.strings.length,
    });
    expect(() => scanTopLevel(bytes.slice(0, bytes.length - 1))).toThrowError(/runs past the end/);
  });

  it('counts before decoding: many tiny samples are refused before any is built', () => {
    const st = new StringTable();
    const header = new PProfile({ sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') })], stringTable: st }).encode();
    // 1000 samples of 5 bytes each: no location, value [1].
    const tiny = Array.from({ length: 1000 }, () => [0x12, 0x03, 0x12, 0x01, 0x01]).flat();
    const bytes = new Uint8Array([...header, ...tiny]);
    try {
      decodePprof(bytes, { maxSamples: 999 });
      throw new Error('accepted');
    } catch (e) {
      expect((e as EmberError).code).toBe('TOO_LARGE');
      expect((e as EmberError).message).toMatch(/1000 samples, more than the 999/);
    }
    expect(decodePprof(bytes, { maxSamples: 1000 }).samples).toEqual([{ stack: 0, comm: '', pid: 0, tid: 0, count: 1000 }]);
  });

  it('refuses gzip bytes and oversized input with clear errors', () => {
    expect(() => decodePprof(new Uint8Array([0x1f, 0x8b, 8, 0]))).toThrowError(/gzip/);
    const big = encodePprof(sampleProfile());
    try {
      decodePprof(big, { maxBytes: 10 });
      throw new Error('no error');
    } catch (e) {
      expect((e as EmberError).code).toBe('TOO_LARGE');
    }
  });
});
