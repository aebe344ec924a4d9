// Small statistics shared by the benchmarks: medians and ranges of repeated runs.
export interface BenchRow {
  name: string;
  median: number | string;
  min?: number;
  max?: number;
  /** Number of runs behind the median. */
  n?: number;
  unit?: string;
  target?: string;
  met?: boolean;
  /** Said next to met/missed, e.g. when the noise floor is larger than the target. */
  note?: string;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function range(values: readonly number[]): { min: number; max: number } {
  return { min: Math.min(...values), max: Math.max(...values) };
}

/** Times `fn` `reps` times (after one warm-up) and returns the durations in milliseconds. */
export async function timeRuns(reps: number, fn: () => unknown | Promise<unknown>): Promise<number[]> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}
