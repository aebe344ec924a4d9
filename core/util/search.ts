// Binary search over ascending numbers (symbol tables, address maps).

/**
 * Index of the last of `sorted[0..end)` that is <= `x`, or -1 when `x` is below the first.
 * `sorted` must be ascending; `end` defaults to its length.
 */
export function lastAtOrBelow(sorted: ArrayLike<number>, x: number, end: number = sorted.length): number {
  let lo = 0;
  let hi = end - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}
