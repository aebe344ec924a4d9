// One place for the settings of every fuzz property (fast-check):
//  - in CI (`npm test`): a fixed seed per property and a modest number of runs, so a run is
//    reproducible and a failure is the same failure on every machine;
//  - `npm run fuzz`: EMBERSCOPE_FUZZ_RUNS=<n> runs per property with a fresh random seed,
//    printed (and printed again by fast-check with any counterexample);
//  - replay: EMBERSCOPE_FUZZ_SEED=<seed> (and EMBERSCOPE_FUZZ_PATH=<path> from the report).
import type { Parameters } from 'fast-check';

/** The seed of CI runs; each property's seed is derived from it and the property's name. */
export const CI_SEED = 20261123;

function envInt(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  return n;
}

const longRuns = envInt('EMBERSCOPE_FUZZ_RUNS');
const replaySeed = envInt('EMBERSCOPE_FUZZ_SEED');
const replayPath = process.env.EMBERSCOPE_FUZZ_PATH;
const longSeed = (Date.now() ^ (process.pid << 16)) | 0;

/** True when the long run was asked for (`npm run fuzz`). */
export const FUZZ_LONG = longRuns !== undefined;

/** A test timeout for fuzz properties: unbounded in the long run. */
export function fuzzTimeout(ciMs = 30_000): number {
  return FUZZ_LONG ? 24 * 3600_000 : ciMs;
}

function nameSeed(name: string): number {
  let h = CI_SEED;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * fast-check parameters for the property `name` with `ciRuns` runs in CI. Extra parameters
 * (e.g. endOnFailure) pass through; seed and numRuns always come from here.
 */
export function fuzzParams<T>(name: string, ciRuns: number, extra: Parameters<T> = {}): Parameters<T> {
  const seed = replaySeed ?? (FUZZ_LONG ? longSeed : nameSeed(name));
  const numRuns = longRuns ?? ciRuns;
  if (FUZZ_LONG || replaySeed !== undefined) console.log(`fuzz ${name}: seed ${seed}, ${numRuns} runs (replay: EMBERSCOPE_FUZZ_SEED=${seed} EMBERSCOPE_FUZZ_RUNS=${numRuns})`);
  return { ...extra, seed, numRuns, ...(replayPath ? { path: replayPath } : {}) };
}
