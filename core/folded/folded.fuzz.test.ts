// Fuzz: folded-stacks import. Any text imports to a consistent profile (whose samples match
// the counts of the lines) or fails with EmberError BAD_INPUT / TOO_LARGE.
// Settings (fixed seed in CI, `npm run fuzz` for a long run) come from test/fuzz.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EmberError } from '../errors';
import type { Profile } from '../profile/types';
import { fuzzParams, fuzzTimeout } from '../../test/fuzz';
import { fromFolded, toFolded } from './folded';

function expectConsistent(p: Profile): void {
  let total = 0;
  for (const s of p.samples) {
    expect(p.stacks[s.stack]).toBeDefined();
    expect(Number.isSafeInteger(s.count) && s.count >= 0).toBe(true);
    total += s.count;
  }
  for (const stack of p.stacks) for (const f of stack) expect(p.frames[f]).toBeDefined();
  expect(p.meta.sampleCount).toBe(total);
}

function expectTypedError(e: unknown): void {
  if (!(e instanceof EmberError)) throw e;
  expect(['BAD_INPUT', 'TOO_LARGE']).toContain(e.code);
  if (e.code === 'BAD_INPUT' && e.message.startsWith('folded stacks, line')) expect(e.message).toMatch(/^folded stacks, line \d+: /);
}

const frame = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('main', '[kernel]', 'a b', '<script>', '\u0000', '\ud800', ';;', 'x;y', '  '));
const count = fc.oneof(fc.nat().map(String), fc.constantFrom('-1', '1e3', '0x10', '9007199254740993', '1.5', '', ' 7', '007'), fc.string({ maxLength: 4 }));
const lineArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.tuple(fc.array(frame, { maxLength: 5 }), count, fc.constantFrom(' ', '\t', '  ')).map(([fs, c, sep]) => `${fs.join(';')}${sep}${c}`),
);
const newline = fc.constantFrom('\n', '\r\n', '\r', '\n\n');

describe('folded import (fuzz)', () => {
  it('fuzz: arbitrary text imports consistently or throws BAD_INPUT / TOO_LARGE', () => {
    let imported = 0;
    let rejected = 0;
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 8 }), newline, (lines, nl) => {
        try {
          expectConsistent(fromFolded(lines.join(nl)));
          imported++;
        } catch (e) {
          expectTypedError(e);
          rejected++;
        }
      }),
      fuzzParams('folded-text', 1000),
    );
    expect(imported).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  }, fuzzTimeout());

  it('fuzz: what imports exports to folded text that imports to the same sample count', () => {
    const simple = fc.array(fc.tuple(fc.array(fc.stringMatching(/^[a-z_][a-z0-9_.:]{0,8}$/), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 1e6 })), { maxLength: 8 });
    fc.assert(
      fc.property(simple, (rows) => {
        const p = fromFolded(rows.map(([fs, c]) => `${fs.join(';')} ${c}`).join('\n'));
        const again = fromFolded(toFolded(p));
        expect(again.meta.sampleCount).toBe(p.meta.sampleCount);
        expect(again.meta.sampleCount).toBe(rows.reduce((a, [, c]) => a + c, 0));
      }),
      fuzzParams('folded-roundtrip', 300),
    );
  }, fuzzTimeout());
});
