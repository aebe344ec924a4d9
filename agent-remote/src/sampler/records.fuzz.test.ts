// Fuzz: the sampler-record parser (bytes from the privileged sampler's stdout) either yields
// well-formed records or throws EmberError('BAD_RECORD') with a message naming the byte offset.
// Settings (fixed seed in CI, `npm run fuzz` for a long run) come from test/fuzz.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EmberError } from '../../../core/errors';
import { fuzzParams, fuzzTimeout } from '../../../test/fuzz';
import { MAX_FRAMES, RecordParser, type SamplerRecord } from './records';
import { concat, encodeBuildIdStack, encodeCaps, encodeCount, encodeEnd, encodeError, encodeHeader, encodeMaps, encodeStack, encodeStats } from './encode';

function parseAll(bytes: Uint8Array, chunk = bytes.byteLength): SamplerRecord[] {
  const p = new RecordParser();
  const out: SamplerRecord[] = [];
  for (let i = 0; i < bytes.byteLength; i += chunk) out.push(...p.push(bytes.subarray(i, i + chunk)));
  p.end();
  return out;
}

const stream = concat([
  encodeHeader({ hz: 199, ncpus: 2, flags: 7, samplerPid: 42 }),
  encodeCaps(1, { effective: 0xc000000000n, permitted: 0xc000000000n }, true),
  encodeMaps(100, '00400000-00401000 r-xp 00000000 08:01 12 /bin/x\n'),
  encodeStack(1, 0, [0x401000n, 0x401234n]),
  encodeStack(2, 1, [0xffffffff81000010n]),
  encodeBuildIdStack(3, [{ status: 1, buildId: 'ab'.repeat(20), offsetOrIp: 0x1234n }, { status: 2, buildId: '', offsetOrIp: 0x7fff0000n }]),
  encodeCount({ tgid: 100, pid: 101, userStackId: 1, kernelStackId: 2, comm: 'hot-c', count: 17 }),
  encodeStats({ interval: 1, samples: 20, monoNs: 5n, lost: [1, 2, 3, 4] }),
  encodeError('EPERM', 'missing CAP_BPF'),
  encodeEnd(2, 20, 10),
]);

const TYPES = new Set(['header', 'stack', 'count', 'stats', 'end', 'error', 'maps', 'caps', 'kallsyms', 'unknown']);

/** A parsed record is well-formed: a known type, sane numbers, bounded frames. */
function expectWellFormed(r: SamplerRecord): void {
  expect(TYPES.has(r.type)).toBe(true);
  if (r.type === 'stack') {
    const n = 'ips' in r ? r.ips.length : r.frames.length;
    expect(n).toBeLessThanOrEqual(MAX_FRAMES);
    if ('ips' in r) for (const ip of r.ips) expect(ip >= 0n && ip < 2n ** 64n).toBe(true);
  }
  if (r.type === 'count') {
    expect(Number.isSafeInteger(r.count) && r.count >= 0).toBe(true);
    expect(typeof r.comm).toBe('string');
  }
}

function expectBadRecord(e: unknown): void {
  expect(e).toBeInstanceOf(EmberError);
  expect((e as EmberError).code).toBe('BAD_RECORD');
  expect((e as EmberError).message).toMatch(/^The sampler's output is malformed: .* \(at byte \d+\)\.$/);
}

describe('sampler record parser (fuzz)', () => {
  it('fuzz: random bytes, in random chunks, parse to well-formed records or BAD_RECORD', () => {
    let parsed = 0;
    let rejected = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.integer({ min: 1, max: 64 }), fc.boolean(), (bytes, chunk, withHeader) => {
        const input = withHeader ? concat([encodeHeader(), bytes]) : bytes;
        try {
          parseAll(input, chunk).forEach(expectWellFormed);
          parsed++;
        } catch (e) {
          expectBadRecord(e);
          rejected++;
        }
      }),
      fuzzParams('records-random', 2000),
    );
    expect(parsed).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  }, fuzzTimeout());

  it('fuzz: truncations and byte edits of a valid stream parse to well-formed records or BAD_RECORD', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: stream.byteLength }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), fc.integer({ min: 1, max: 97 }), (cut, flips, chunk) => {
        const copy = stream.slice(0, cut);
        for (const [pos, val] of flips) if (copy.byteLength > 0) copy[pos % copy.byteLength] = val;
        try {
          parseAll(copy, chunk).forEach(expectWellFormed);
        } catch (e) {
          expectBadRecord(e);
        }
      }),
      fuzzParams('records-mutated', 2000),
    );
  }, fuzzTimeout());

  it('fuzz: splitting a valid stream anywhere gives the same records', () => {
    const whole = parseAll(stream);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: stream.byteLength }), (chunk) => {
        expect(parseAll(stream, chunk)).toEqual(whole);
      }),
      fuzzParams('records-chunks', 200),
    );
  }, fuzzTimeout());
});
