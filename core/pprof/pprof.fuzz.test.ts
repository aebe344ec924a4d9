// Fuzz: pprof import. Whatever bytes a user opens either decode to a consistent profile or
// fail with EmberError BAD_INPUT / TOO_LARGE; nothing else escapes, nothing crashes.
// Settings (fixed seed in CI, `npm run fuzz` for a long run) come from test/fuzz.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Function as PFunction, Line, Location, Mapping, Profile as PProfile, Sample, StringTable, ValueType } from 'pprof-format';
import { EmberError } from '../errors';
import { ProfileBuilder } from '../profile/builder';
import { DEFAULT_LIMITS } from '../profile/limits';
import { makeFrame, type Profile } from '../profile/types';
import { fuzzParams, fuzzTimeout } from '../../test/fuzz';
import { decodePprof } from './decode';
import { encodePprof } from './encode';

function small(): Profile {
  const b = new ProfileBuilder({ hz: 99, startTimeMs: 1_700_000_000_000, comments: ['fuzz'] });
  b.apply({
    newFrames: [
      { id: 1, frame: makeFrame('main.hashLoop', { module: '/srv/app', buildId: 'ab12cd', file: '/src/main.go', line: 42, address: '0x401000' }) },
      { id: 2, frame: makeFrame('main.main', { module: '/srv/app', buildId: 'ab12cd', file: '/src/main.go', line: 10, address: '0x401200' }) },
      { id: 3, frame: makeFrame('do_syscall_64', { kind: 'kernel', address: '0xffffffff81000010' }) },
      { id: 4, frame: makeFrame('js', { kind: 'jit', status: 'jit', module: '/tmp/perf-77.map', address: '0x3a00' }) },
    ],
    newStacks: [
      { id: 10, frames: [1, 2] },
      { id: 11, frames: [3, 2] },
      { id: 12, frames: [4] },
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

/** A decoded profile is consistent: every index resolves, counts are exact and add up. */
function expectConsistent(p: Profile): void {
  for (const stack of p.stacks) for (const f of stack) expect(p.frames[f]).toBeDefined();
  let total = 0;
  for (const s of p.samples) {
    expect(p.stacks[s.stack]).toBeDefined();
    expect(Number.isSafeInteger(s.count) && s.count >= 0).toBe(true);
    total += s.count;
  }
  expect(p.meta.sampleCount).toBe(total);
  for (const f of p.frames) expect(f.name.length).toBeLessThanOrEqual(DEFAULT_LIMITS.maxStringLength);
  expect(p.meta.hz >= 0 && Number.isFinite(p.meta.hz)).toBe(true);
}

function expectTypedError(e: unknown): void {
  if (!(e instanceof EmberError)) throw e;
  expect(['BAD_INPUT', 'TOO_LARGE']).toContain(e.code);
  expect(e.message.length).toBeGreaterThan(0);
}

/** Structure-aware: a pprof message with random (often dangling) ids, indices and values. */
const structured = fc
  .record({
    strings: fc.array(fc.string({ maxLength: 12 }), { maxLength: 8 }),
    idx: fc.array(fc.integer({ min: -2, max: 12 }), { minLength: 24, maxLength: 24 }),
    values: fc.array(fc.oneof(fc.integer({ min: -5, max: 1000 }), fc.constantFrom(2 ** 53, 2 ** 62, -(2 ** 62))), { minLength: 4, maxLength: 4 }),
    period: fc.oneof(fc.integer({ min: -10, max: 1e9 }), fc.constant(0)),
    locs: fc.array(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 5 }), { maxLength: 4 }),
  })
  .map(({ strings, idx, values, period, locs }) => {
    const st = new StringTable();
    for (const s of strings) st.dedup(s);
    const i = (k: number): number => idx[k % idx.length] ?? 0;
    const profile = new PProfile({
      sampleType: [new ValueType({ type: st.dedup('samples'), unit: st.dedup('count') }), new ValueType({ type: i(0), unit: i(1) })],
      periodType: new ValueType({ type: i(2), unit: i(3) }),
      period,
      mapping: [new Mapping({ id: i(4), filename: i(5), buildId: i(6) })],
      function: [new PFunction({ id: i(7), name: i(8), filename: i(9) }), new PFunction({ id: i(10), name: i(11) })],
      location: [
        new Location({ id: i(12), mappingId: i(13), address: i(14), line: [new Line({ functionId: i(15), line: i(16) })] }),
        new Location({ id: i(17), mappingId: i(18), address: 0x30 }),
      ],
      sample: locs.map((l, k) => new Sample({ locationId: l, value: [values[k % 4] ?? 1, values[(k + 1) % 4] ?? 1] })),
      stringTable: st,
    });
    try {
      return profile.encode();
    } catch {
      return new Uint8Array(0); // pprof-format refuses some values itself (e.g. negative ids)
    }
  });

describe('pprof import (fuzz)', () => {
  it('fuzz: random, truncated and byte-edited profiles decode consistently or throw BAD_INPUT / TOO_LARGE', () => {
    const valid = encodePprof(small());
    const mutated = fc
      .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
      .map((edits) => {
        const copy = valid.slice();
        for (const [at, byte] of edits) copy[at] = byte;
        return copy;
      });
    const truncated = fc.nat(valid.length).map((n) => valid.slice(0, n));
    const random = fc.uint8Array({ maxLength: 512 });
    let decoded = 0;
    let rejected = 0;
    fc.assert(
      fc.property(fc.oneof(mutated, truncated, random, structured), (bytes) => {
        try {
          expectConsistent(decodePprof(bytes));
          decoded++;
        } catch (e) {
          expectTypedError(e);
          rejected++;
        }
      }),
      fuzzParams('pprof-bytes', 1500),
    );
    expect(decoded).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  }, fuzzTimeout());

  it('fuzz: a decoded profile encodes and decodes again to the same samples', () => {
    fc.assert(
      fc.property(structured, (bytes) => {
        let p: Profile;
        try {
          p = decodePprof(bytes);
        } catch (e) {
          expectTypedError(e);
          return;
        }
        const again = decodePprof(encodePprof(p));
        expect(again.meta.sampleCount).toBe(p.meta.sampleCount);
        expect(again.samples.length).toBe(p.samples.length);
      }),
      fuzzParams('pprof-roundtrip', 500),
    );
  }, fuzzTimeout());
});
