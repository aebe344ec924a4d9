// The fuzz settings helper: fixed per-property seeds in CI, env overrides for long runs and replay.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Fuzz from './fuzz';

async function load(): Promise<typeof Fuzz> {
  vi.resetModules();
  return import('./fuzz');
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('fuzzParams', () => {
  it('in CI: a fixed seed per property, the CI number of runs, a bounded timeout', async () => {
    vi.stubEnv('EMBERSCOPE_FUZZ_RUNS', '');
    vi.stubEnv('EMBERSCOPE_FUZZ_SEED', '');
    const a = await load();
    const b = await load();
    expect(a.fuzzParams('x', 10)).toEqual({ seed: b.fuzzParams('x', 10).seed, numRuns: 10 });
    expect(a.fuzzParams('x', 10).seed).not.toBe(a.fuzzParams('y', 10).seed);
    expect(a.FUZZ_LONG).toBe(false);
    expect(a.fuzzTimeout(5000)).toBe(5000);
  });

  it('long run and replay come from the environment', async () => {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.stubEnv('EMBERSCOPE_FUZZ_RUNS', '50000');
    vi.stubEnv('EMBERSCOPE_FUZZ_SEED', '-123');
    vi.stubEnv('EMBERSCOPE_FUZZ_PATH', '4:1');
    const f = await load();
    expect(f.fuzzParams('x', 10, { endOnFailure: true })).toEqual({ endOnFailure: true, seed: -123, numRuns: 50000, path: '4:1' });
    expect(f.FUZZ_LONG).toBe(true);
    expect(f.fuzzTimeout(5000)).toBeGreaterThan(3600_000);
    vi.stubEnv('EMBERSCOPE_FUZZ_RUNS', 'lots');
    await expect(load()).rejects.toThrow(/EMBERSCOPE_FUZZ_RUNS must be an integer/);
  });
});
