import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzParams } from '../../test/fuzz';
import { SequenceInterner } from './intern';

describe('SequenceInterner', () => {
  it('finds equal sequences and only those', () => {
    const interner = new SequenceInterner<number>();
    interner.set([1, 2, 3], 0);
    interner.set([1, 2], 1);
    interner.set([], 2);
    expect(interner.get([1, 2, 3])).toBe(0);
    expect(interner.get([1, 2])).toBe(1);
    expect(interner.get([])).toBe(2);
    expect(interner.get([3, 2, 1])).toBeUndefined();
    expect(interner.get([1, 2, 3, 0])).toBeUndefined();
    expect(interner.size).toBe(3);
  });

  it('agrees with a string-keyed map on random sequences (fixed seed)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(20), { maxLength: 6 }), { maxLength: 200 }), (seqs) => {
        const interner = new SequenceInterner<number>();
        const reference = new Map<string, number>();
        seqs.forEach((seq, i) => {
          const key = seq.join(',');
          expect(interner.get(seq)).toBe(reference.get(key));
          if (!reference.has(key)) {
            reference.set(key, i);
            interner.set(seq, i);
          }
        });
        expect(interner.size).toBe(reference.size);
      }),
      fuzzParams('intern-vs-map', 200),
    );
  });
});
