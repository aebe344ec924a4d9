// Benchmark of core's profile pipeline at capture scale: 1M samples over 100k unique stacks.
// Measures the delta builder, pprof encode and decode, the flame tree and standard redaction,
// and the pprof file's size against the same profile as gzipped folded text.
// Plain script: `npx tsx bench/pprof.bench.ts`, or import `run()` from a benchmark runner.
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { toFolded } from '../core/folded/folded';
import { median as med, range, type BenchRow } from './stats';
import { ProfileBuilder } from '../core/profile/builder';
import { buildFlameTree } from '../core/profile/flame';
import { makeFrame, NO_LOST, type CaptureDelta, type Profile } from '../core/profile/types';
import { decodePprof } from '../core/pprof/decode';
import { encodePprof } from '../core/pprof/encode';
import { redactProfile } from '../core/redaction/redactor';

const SAMPLES = 1_000_000;
const STACKS = 100_000;
const FRAMES = 20_000;
const THREADS = 8;
const DELTAS = 100;
const REPEATS = Number(process.env['BENCH_REPEATS'] ?? 5);

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same profile. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeDeltas(): CaptureDelta[] {
  const random = rng(42);
  const pick = (n: number): number => Math.floor(random() * n);
  const frames = Array.from({ length: FRAMES }, (_, id) => ({
    id,
    frame: makeFrame(id % 50 === 0 ? `github.com/acme/auth.(*Server).Handler${id}` : `github.com/acme/svc/pkg${id % 300}.(*T${id % 97}).Method${id}`, {
      module: '/srv/acme/bin/svc',
      file: `/home/ci/src/svc/pkg${id % 300}/file${id % 40}.go`,
      line: 1 + (id % 500),
      address: `0x${(0x400000 + id * 16).toString(16)}`,
    }),
  }));
  // Stacks share roots like real programs: a prefix of 3–8 frames from a small set, then a random tail.
  const stacks = Array.from({ length: STACKS }, (_, id) => {
    const depth = 8 + pick(24);
    const rootFirst: number[] = [0, 1 + pick(4), 5 + pick(20)];
    while (rootFirst.length < depth) rootFirst.push(pick(FRAMES));
    return { id, frames: rootFirst.reverse() };
  });
  const deltas: CaptureDelta[] = [];
  const perDelta = SAMPLES / DELTAS;
  for (let d = 0; d < DELTAS; d++) {
    const counts = new Map<string, { stackId: number; comm: string; pid: number; tid: number; count: number }>();
    for (let i = 0; i < perDelta; i++) {
      // Skewed towards low ids: a few hot stacks, a long tail.
      const stackId = Math.floor(STACKS * random() ** 3);
      const tid = 1000 + pick(THREADS);
      const key = `${stackId}:${tid}`;
      const c = counts.get(key);
      if (c) c.count++;
      else counts.set(key, { stackId, comm: 'svc', pid: 1000, tid, count: 1 });
    }
    deltas.push({
      newFrames: d === 0 ? frames : [],
      newStacks: d === 0 ? stacks : [],
      counts: [...counts.values()],
      stats: { samples: perDelta, lost: NO_LOST },
    });
  }
  return deltas;
}

function time<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

export async function run(opts: { quick: boolean } = { quick: false }): Promise<{ rows: BenchRow[] }> {
  const repeats = opts.quick ? 1 : REPEATS;
  const deltas = makeDeltas();
  const times: Record<string, number[]> = { buildMs: [], encodeMs: [], decodeMs: [], flameTreeMs: [], redactStandardMs: [] };
  let profile: Profile | undefined;
  let bytes: Uint8Array = new Uint8Array();
  let nodes = 0;
  for (let r = 0; r < repeats; r++) {
    const [built, buildMs] = time(() => {
      const b = new ProfileBuilder({ hz: 99, startTimeMs: Date.now() });
      for (const d of deltas) b.apply(d);
      return b.snapshot();
    });
    profile = built;
    times.buildMs?.push(buildMs);
    const [encoded, encodeMs] = time(() => encodePprof(built));
    bytes = encoded;
    times.encodeMs?.push(encodeMs);
    const [decoded, decodeMs] = time(() => decodePprof(encoded));
    if (decoded.meta.sampleCount !== SAMPLES) throw new Error(`decoded ${decoded.meta.sampleCount} samples, expected ${SAMPLES}`);
    times.decodeMs?.push(decodeMs);
    const [tree, flameMs] = time(() => buildFlameTree(built));
    nodes = tree.nodes + tree.prunedNodes;
    times.flameTreeMs?.push(flameMs);
    const key = new Uint8Array(32).fill(7);
    const [, redactMs] = time(() => redactProfile(built, { preset: 'standard', key }));
    times.redactStandardMs?.push(redactMs);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const foldedText = profile ? toFolded(profile) : '';
  const foldedGz = gzipSync(Buffer.from(foldedText)).length;
  const row = (name: string, key: string, extra: Partial<BenchRow> = {}): BenchRow => {
    const xs = times[key] ?? [];
    return { name, median: med(xs), ...range(xs), n: xs.length, unit: 'ms', ...extra };
  };
  const encode = med(times['encodeMs'] ?? []);
  const rows: BenchRow[] = [
    row('pprof encode (gzip profile.proto)', 'encodeMs', { target: '≤ 1000 ms', met: encode <= 1000 }),
    row('pprof decode', 'decodeMs'),
    row('profile built from 100 deltas', 'buildMs'),
    row('flame tree', 'flameTreeMs'),
    row('standard redaction', 'redactStandardMs'),
    { name: 'pprof size', median: bytes.length / 1024 / 1024, unit: 'MiB' },
    { name: 'gzipped folded text size', median: foldedGz / 1024 / 1024, unit: 'MiB' },
    { name: 'pprof ÷ gzipped folded size', median: bytes.length / Math.max(foldedGz, 1), unit: '×' },
    { name: 'profile', median: `${profile?.meta.sampleCount ?? 0} samples, ${profile?.stacks.length ?? 0} stacks, ${profile?.samples.length ?? 0} sample rows, ${nodes} flame nodes` },
  ];
  return { rows };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run();
  for (const r of result.rows) console.log(`${r.name.padEnd(32)} ${String(r.median)} ${r.unit ?? ''}`);
}
