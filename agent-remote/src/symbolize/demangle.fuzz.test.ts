// Fuzz: demangle() on junk and on mutated real symbols never throws, stays within its bounds,
// leaves what is not a mangled name alone, never hands back the library's "not demangled" answer
// (the input minus its leading '_') in place of the input, and gives the same answer twice (the WebAssembly instance is replaced
// after a trap, which must not change results). Settings come from test/fuzz.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzParams, fuzzTimeout } from '../../../test/fuzz';
import { MAX_OUTPUT, demangle } from './demangle';

const SEEDS = [
  '_ZN2v88internal11HandleScope14CloseAndEscapeINS0_10FixedArrayEEENS0_6HandleIT_EES6_',
  '_ZN4node7FPrintFIJRlRmEEEvP8_IO_FILEPKcDpOT_',
  '_ZN12v8_inspector9V8Console4callIXadL_ZNS0_10createTaskERKN2v820FunctionCallbackInfoINS2_5ValueEEEEEEEvS7_',
  '_ZNSt6vectorIiSaIiEE9push_backERKi',
  '_RINbNbCskIICzLVDPPb_5alloc5alloc8box_freeDINbNiB4_5boxed5FnBoxuEp6OutputuEL_ECs1iopQbuBiw2_3std',
  '_RNCINkXs25_NgCsbmNqQUJIY6D_4core5sliceINyB9_4IterhENuNgNoBb_4iter8iterator8Iterator9rpositionNCNgNpB9_6memchr7memrchrs_0E0Bb_',
  '_ZN5alloc5slice29_$LT$impl$u20$$u5b$T$u5d$$GT$6to_vec17hd5e7bd7b8a5d7c6aE',
];
const ALPHABET = '_ZRNSEIJKTLDpOPFAMXv0123456789abcdefghijklmnopqrstuvwxyzBC$.';

const junk = fc.tuple(fc.constantFrom('_Z', '_R', '_ZN', ''), fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 80 })).map(([p, s]) => p + s);
const mutated = fc
  .tuple(fc.constantFrom(...SEEDS), fc.nat(), fc.nat({ max: 12 }), fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 6 }))
  .map(([seed, at, cut, insert]) => {
    const i = 2 + (at % (seed.length - 2));
    return seed.slice(0, i) + insert + seed.slice(i + cut);
  });

function check(symbol: string): void {
  const out = demangle(symbol);
  expect(out.length).toBeLessThanOrEqual(Math.max(MAX_OUTPUT, symbol.length));
  if (!/^_[ZR]/.test(symbol)) expect(out).toBe(symbol);
  if (out !== symbol) expect(out).not.toBe(symbol.slice(1)); // the library's "not demangled" answer
  expect(demangle(symbol)).toBe(out);
}

describe('demangle (fuzz)', () => {
  it('fuzz: junk is returned unchanged or demangled, within bounds, the same every time', () => {
    fc.assert(fc.property(junk, check), fuzzParams('demangle-junk', 3000));
  }, fuzzTimeout());

  it('fuzz: mutated real symbols (C++ and Rust, both demanglers) behave the same way', () => {
    fc.assert(fc.property(mutated, check), fuzzParams('demangle-mutated', 3000));
  }, fuzzTimeout());
});
