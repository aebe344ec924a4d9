import { describe, expect, it } from 'vitest';
import { lastAtOrBelow } from './search';

/** The same answer by a linear scan. */
function linear(a: readonly number[], x: number, end = a.length): number {
  let found = -1;
  for (let i = 0; i < end; i++) if ((a[i] ?? 0) <= x) found = i;
  return found;
}

describe('lastAtOrBelow', () => {
  it('finds the last element at or below x', () => {
    const a = [10, 20, 20, 30, 45];
    expect(lastAtOrBelow(a, 5)).toBe(-1);
    expect(lastAtOrBelow(a, 10)).toBe(0);
    expect(lastAtOrBelow(a, 19)).toBe(0);
    expect(lastAtOrBelow(a, 20)).toBe(2);
    expect(lastAtOrBelow(a, 44)).toBe(3);
    expect(lastAtOrBelow(a, 1e9)).toBe(4);
    expect(lastAtOrBelow([], 1)).toBe(-1);
    expect(lastAtOrBelow(new Float64Array([1, 2, 3]), 2.5)).toBe(1);
  });

  it('stops at `end`', () => {
    expect(lastAtOrBelow([1, 2, 3, 4], 10, 2)).toBe(1);
    expect(lastAtOrBelow([1, 2, 3, 4], 10, 0)).toBe(-1);
  });

  it('agrees with a linear scan', () => {
    for (let n = 0; n < 40; n++) {
      const a = Array.from({ length: n }, (_, i) => i * 3 + (i % 2));
      for (let x = -2; x < n * 3 + 3; x++) expect(lastAtOrBelow(a, x)).toBe(linear(a, x));
    }
  });
});
