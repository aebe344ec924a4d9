// The call node table must draw exactly what applyTransforms + buildFlameTree draw (the
// reference, which exports use): random profiles with repeated names, recursion, several
// processes and threads, every transform alone and in chains, with and without pruning.
import { describe, expect, it } from 'vitest';
import { callNodes, callNodesInvertedTree, callNodesTopFunctions, callNodesTree, transformNodes } from './call-nodes';
import { topFunctions } from './top';
import { buildInvertedTree } from './inverted';
import { buildFlameTree } from './flame';
import { applyTransforms, type ProfileTransform } from './transforms';
import { makeFrame, NO_LOST, NO_OVERFLOW, type Profile, type SampleRow } from './types';

/** Deterministic pseudo-random numbers (mulberry32), so a failure replays. */
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

function randomProfile(seed: number): Profile {
  const r = rng(seed);
  const pick = (n: number): number => Math.floor(r() * n);
  const names = ['main', 'run', 'a', 'b', 'c', 'rec', 'hash', 'io'];
  // Two frames per name for some names: the tree merges them by name.
  const frames = [...names.map((n) => makeFrame(n)), makeFrame('a', { line: 7 }), makeFrame('rec', { file: 'x.c' }), makeFrame('io', { kind: 'kernel' })];
  const stacks: number[][] = [];
  const seen = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const depth = pick(7);
    const s = Array.from({ length: depth }, () => pick(frames.length));
    const key = s.join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    stacks.push(s);
  }
  const samples: SampleRow[] = [];
  const procs = [
    { comm: 'web', pid: 10 },
    { comm: 'db', pid: 20 },
    { comm: 'web', pid: 30 },
  ];
  stacks.forEach((_, stack) => {
    for (let k = 1 + pick(2); k > 0; k--) {
      const p = procs[pick(procs.length)]!;
      samples.push({ stack, comm: p.comm, pid: p.pid, tid: p.pid + pick(2), count: 1 + pick(20) });
    }
  });
  const sampleCount = samples.reduce((s, x) => s + x.count, 0);
  return {
    meta: { hz: 99, periodNs: 1e9 / 99, startTimeMs: 0, endTimeMs: 0, sampleCount, reportedSamples: sampleCount, lost: NO_LOST, overflow: NO_OVERFLOW, comments: [] },
    frames,
    stacks,
    samples,
  };
}

const CHAINS: readonly (readonly ProfileTransform[])[] = [
  [],
  [{ type: 'merge-function', name: 'a' }],
  [{ type: 'merge-function', name: 'main' }],
  [{ type: 'collapse-recursion', name: 'rec' }],
  [{ type: 'collapse-recursion', name: 'a' }],
  [{ type: 'focus-function', name: 'rec' }],
  [{ type: 'focus-function', name: 'nothing' }],
  [{ type: 'focus-subtree', path: ['main', 'a'] }],
  [{ type: 'focus-subtree', path: ['b'], comm: 'web' }],
  [{ type: 'focus-subtree', path: [], comm: 'db' }],
  [{ type: 'only-processes', pids: [10, 30] }],
  [{ type: 'only-threads', tids: [21] }],
  [{ type: 'collapse-recursion', name: 'rec' }, { type: 'merge-function', name: 'b' }, { type: 'focus-function', name: 'rec' }],
  [{ type: 'focus-function', name: 'a' }, { type: 'only-processes', pids: [20] }, { type: 'collapse-recursion', name: 'a' }, { type: 'merge-function', name: 'hash' }],
  [{ type: 'merge-function', name: 'run' }, { type: 'focus-subtree', path: ['main', 'rec'] }, { type: 'merge-function', name: 'rec' }],
];

describe('call node table', () => {
  for (const byProcess of [false, true]) {
    it(`draws what applyTransforms + buildFlameTree draw (${byProcess ? 'with' : 'without'} the process level)`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const profile = randomProfile(seed);
        for (const chain of CHAINS) {
          for (const limits of [{}, { minFraction: 0.02 }, { maxNodes: 9 }]) {
            const reference = applyTransforms(profile, chain);
            const got = transformNodes(callNodes(profile, byProcess), chain);
            const context = `seed ${seed}, ${JSON.stringify(chain)}, ${JSON.stringify(limits)}`;
            expect(got.droppedSamples, context).toBe(reference.droppedSamples);
            expect(callNodesTree(got.nodes, limits), context).toEqual(buildFlameTree(reference.profile, { ...limits, byProcess }));
          }
        }
      }
    });
  }

  for (const byProcess of [false, true]) {
    it(`builds the inverted tree buildInvertedTree builds (${byProcess ? 'with' : 'without'} the process level)`, () => {
      for (let seed = 1; seed <= 40; seed++) {
        const profile = randomProfile(seed);
        for (const chain of CHAINS) {
          const reference = applyTransforms(profile, chain).profile;
          const nodes = transformNodes(callNodes(profile, byProcess), chain).nodes;
          const context = `seed ${seed}, ${JSON.stringify(chain)}`;
          // Unpruned (or pruned by the node limit only, every node expanded): the same tree, the same counts.
          for (const limits of [{}, { maxNodes: 9 }]) expect(callNodesInvertedTree(nodes, limits), context).toEqual(buildInvertedTree(reference, { ...limits, byProcess }));
          // Pruned by the floor: the same nodes and pruned samples; pruned nodes are not expanded.
          const got = callNodesInvertedTree(nodes, { minFraction: 0.02 });
          const want = buildInvertedTree(reference, { minFraction: 0.02, byProcess });
          expect(got.root, context).toEqual(want.root);
          expect(got.prunedSamples, context).toBe(want.prunedSamples);
          expect(got.prunedNodes, context).toBeLessThanOrEqual(want.prunedNodes);
        }
      }
    });
  }

  it('counts top functions as topFunctions does, recursion once per stack', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const profile = randomProfile(seed);
      for (const chain of CHAINS) {
        const reference = topFunctions(applyTransforms(profile, chain).profile, { limit: 6 });
        for (const byProcess of [false, true]) {
          expect(callNodesTopFunctions(transformNodes(callNodes(profile, byProcess), chain).nodes, { limit: 6 }), `seed ${seed}, ${JSON.stringify(chain)}`).toEqual(reference);
        }
      }
    }
  });

  it('is built once per profile and process level', () => {
    const p = randomProfile(3);
    expect(callNodes(p, false)).toBe(callNodes(p, false));
    expect(callNodes(p, true)).toBe(callNodes(p, true));
    expect(callNodes(p, true)).not.toBe(callNodes(p, false));
  });

  it('refuses more transforms than applyTransforms does', () => {
    const p = randomProfile(4);
    const many = Array.from({ length: 33 }, () => ({ type: 'merge-function', name: 'a' }) as const);
    expect(() => transformNodes(callNodes(p, false), many)).toThrow(/at most 32 transforms/);
  });
});
