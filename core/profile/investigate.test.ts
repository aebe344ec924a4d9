import { describe, expect, it } from 'vitest';
import type { FlameNode } from './flame';
import { buildFlameTree } from './flame';
import { buildInvertedTree } from './inverted';
import { buildSandwich } from './sandwich';
import { applyTransforms, describeTransform } from './transforms';
import { isMultiProcess, listProcesses } from './process-split';
import { topFunctions } from './top';
import type { Profile } from './types';
import { pathOf, profileFromPaths } from '../testing/fixtures';

function shape(node: FlameNode): unknown {
  return node.children.length === 0 ? `${node.name}=${node.value}` : { [`${node.name}=${node.value}`]: node.children.map(shape) };
}

function folded(p: Profile): string[] {
  const lines = new Map<string, number>();
  for (const row of p.samples) {
    const key = pathOf(p, row.stack);
    lines.set(key, (lines.get(key) ?? 0) + row.count);
  }
  return [...lines].map(([k, n]) => `${k} ${n}`).sort();
}

describe('buildInvertedTree', () => {
  it('roots the tree at the sampled functions with their callers below', () => {
    const p = profileFromPaths([['main;a;hash', 3], ['main;b;hash', 2], ['main;a', 4]]);
    const tree = buildInvertedTree(p);
    expect(shape(tree.root)).toEqual({ 'all=9': [{ 'a=4': ['main=4'] }, { 'hash=5': [{ 'a=3': ['main=3'] }, { 'b=2': ['main=2'] }] }] });
    // The roots' values are the functions' self samples.
    const self = new Map(topFunctions(p).functions.map((f) => [f.name, f.self]));
    for (const c of tree.root.children) {
      expect(c.value).toBe(self.get(c.name));
      expect(c.self).toBe(c.value);
    }
  });

  it('puts processes under the root when asked', () => {
    const p = profileFromPaths([['main;a', 2]]);
    const two = { ...p, samples: [...p.samples, { ...p.samples[0]!, comm: 'other', pid: 7, tid: 7, count: 3 }] };
    const tree = buildInvertedTree(two, { byProcess: true });
    expect(shape(tree.root)).toEqual({ 'all=5': [{ 'app=2': [{ 'a=2': ['main=2'] }] }, { 'other=3': [{ 'a=3': ['main=3'] }] }] });
    expect(tree.root.children.map((c) => c.kind)).toEqual(['process', 'process']);
  });
});

describe('buildSandwich', () => {
  it('merges every call of the function: callers above, callees below, self and total', () => {
    const p = profileFromPaths([['main;a;hash;sha', 3], ['main;b;hash', 2], ['main;b;other', 5], ['main;c;d;hash;sha', 1]]);
    const s = buildSandwich(p, 'hash');
    expect(s.total).toBe(6);
    expect(s.self).toBe(2);
    expect(s.totalSamples).toBe(11);
    expect(shape(s.callers.root)).toEqual({ 'hash=6': [{ 'a=3': ['main=3'] }, { 'b=2': ['main=2'] }, { 'd=1': [{ 'c=1': ['main=1'] }] }] });
    expect(shape(s.callees.root)).toEqual({ 'hash=6': ['sha=4'] });
    expect(s.callees.root.self).toBe(2);
  });

  it('counts a recursive function once per stack, from its outermost call', () => {
    const p = profileFromPaths([['main;fib;fib;fib', 4], ['main;fib;work', 6]]);
    const s = buildSandwich(p, 'fib');
    expect(s.total).toBe(10);
    expect(s.self).toBe(4);
    expect(s.total).toBe(topFunctions(p).functions.find((f) => f.name === 'fib')?.total);
    expect(shape(s.callers.root)).toEqual({ 'fib=10': ['main=10'] });
    expect(shape(s.callees.root)).toEqual({ 'fib=10': [{ 'fib=4': ['fib=4'] }, 'work=6'] });
  });

  it('is empty for a function that is not there', () => {
    const s = buildSandwich(profileFromPaths([['main;a', 1]]), 'nope');
    expect([s.total, s.self, s.totalSamples, s.callers.root.value, s.callers.root.children.length]).toEqual([0, 0, 1, 0, 0]);
  });
});

describe('applyTransforms', () => {
  const p = profileFromPaths([['main;a;hash;sha', 3], ['main;b;hash', 2], ['main;b;other', 5], ['main;rec;x;rec;y', 7]]);

  it('focus on a function roots every call of it and counts what it drops', () => {
    const r = applyTransforms(p, [{ type: 'focus-function', name: 'hash' }]);
    expect(folded(r.profile)).toEqual(['hash 2', 'hash;sha 3']);
    expect(r.droppedSamples).toBe(12);
    expect(r.profile.meta.sampleCount).toBe(5);
  });

  it('focus on a subtree keeps one node of the tree as the root', () => {
    const r = applyTransforms(p, [{ type: 'focus-subtree', path: ['main', 'b'] }]);
    expect(folded(r.profile)).toEqual(['b;hash 2', 'b;other 5']);
    expect(r.droppedSamples).toBe(10);
    expect(applyTransforms(p, [{ type: 'focus-subtree', path: ['main', 'b'], comm: 'elsewhere' }]).profile.samples).toEqual([]);
  });

  it('merging a function gives its time to its callers', () => {
    const r = applyTransforms(p, [{ type: 'merge-function', name: 'hash' }]);
    expect(folded(r.profile)).toEqual(['main;a;sha 3', 'main;b 2', 'main;b;other 5', 'main;rec;x;rec;y 7']);
    expect(r.droppedSamples).toBe(0);
    // Merged stacks are interned again: one row per distinct stack and thread.
    const merged = applyTransforms(profileFromPaths([['main;a;x', 1], ['main;x', 2]]), [{ type: 'merge-function', name: 'a' }]);
    expect(merged.profile.samples).toHaveLength(1);
    expect(folded(merged.profile)).toEqual(['main;x 3']);
  });

  it('collapses direct and indirect recursion into the outer call', () => {
    expect(folded(applyTransforms(p, [{ type: 'collapse-recursion', name: 'rec' }]).profile)).toContain('main;rec;y 7');
    const fib = profileFromPaths([['main;fib;fib;fib', 4], ['main;fib;work', 6]]);
    expect(folded(applyTransforms(fib, [{ type: 'collapse-recursion', name: 'fib' }]).profile)).toEqual(['main;fib 4', 'main;fib;work 6']);
  });

  it('keeps only the chosen processes and threads, in order with the others', () => {
    const base = profileFromPaths([['main;a', 2]]);
    const two = { ...base, samples: [...base.samples, { ...base.samples[0]!, comm: 'w', pid: 7, tid: 8, count: 3 }] };
    expect(applyTransforms(two, [{ type: 'only-processes', pids: [7] }]).profile.meta.sampleCount).toBe(3);
    expect(applyTransforms(two, [{ type: 'only-threads', tids: [100] }]).droppedSamples).toBe(3);
    const chained = applyTransforms(two, [{ type: 'only-processes', pids: [7] }, { type: 'focus-function', name: 'a' }, { type: 'merge-function', name: 'a' }]);
    expect(chained.profile.meta.sampleCount).toBe(3);
    expect(chained.profile.stacks).toEqual([[]]);
    // The samples of a stack left empty stay at the root.
    expect(buildFlameTree(chained.profile).root.self).toBe(3);
  });

  it('describes each transform in one line and refuses too many', () => {
    expect(describeTransform({ type: 'merge-function', name: 'hash' })).toBe('Merge hash');
    expect(describeTransform({ type: 'only-processes', pids: [1, 2] })).toBe('Only 2 processes');
    expect(() => applyTransforms(p, Array.from({ length: 33 }, () => ({ type: 'merge-function' as const, name: 'x' })))).toThrow(/at most 32/);
    expect(applyTransforms(p, []).profile).toBe(p);
  });
});

describe('listProcesses', () => {
  it('lists processes with their threads, heaviest first', () => {
    const base = profileFromPaths([['main;a', 2]]);
    const rows = [...base.samples, { ...base.samples[0]!, comm: 'worker', pid: 7, tid: 8, count: 3 }, { ...base.samples[0]!, comm: 'srv', pid: 7, tid: 7, count: 1 }];
    const p = { ...base, samples: rows };
    expect(listProcesses(p)).toEqual([
      { pid: 7, comm: 'srv', samples: 4, threads: [{ tid: 8, comm: 'worker', samples: 3 }, { tid: 7, comm: 'srv', samples: 1 }] },
      { pid: 100, comm: 'app', samples: 2, threads: [{ tid: 100, comm: 'app', samples: 2 }] },
    ]);
    expect(isMultiProcess(p)).toBe(true);
    expect(isMultiProcess(base)).toBe(false);
  });
});

describe('functionDetails', () => {
  it('gives self, total and the distinct frames behind a name, most sampled first', async () => {
    const { functionDetails } = await import('./details');
    const p = profileFromPaths([['main;fib;fib', 4], ['main;fib;work', 6], ['main;work', 1]], { work: { module: '/usr/lib/libw.so', file: 'w.c', line: 12, kind: 'user' } });
    const fib = functionDetails(p, 'fib');
    expect([fib.self, fib.total, fib.totalSamples, fib.frames.length, fib.moreFrames]).toEqual([4, 10, 11, 1, 0]);
    const work = functionDetails(p, 'work');
    expect([work.self, work.total]).toEqual([7, 7]);
    expect(work.frames[0]).toMatchObject({ module: '/usr/lib/libw.so', file: 'w.c', line: 12, status: 'symbolized' });
    expect(functionDetails(p, 'absent').frames).toEqual([]);
  });
});
