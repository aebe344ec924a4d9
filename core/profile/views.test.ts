import { describe, expect, it } from 'vitest';
import { buildFlameTree, type FlameNode } from './flame';
import { topFunctions } from './top';
import { symbolizationQuality } from './quality';
import { profileFromPaths } from '../testing/fixtures';

function shape(node: FlameNode): unknown {
  return node.children.length === 0 ? `${node.name}=${node.value}` : { [`${node.name}=${node.value}`]: node.children.map(shape) };
}

describe('buildFlameTree', () => {
  it('merges stacks by name path from the root', () => {
    const p = profileFromPaths([['main;a;b', 3], ['main;a', 2], ['main;c', 5]]);
    const tree = buildFlameTree(p);
    expect(shape(tree.root)).toEqual({ 'all=10': [{ 'main=10': [{ 'a=5': ['b=3'] }, 'c=5'] }] });
    expect(tree.root.children[0]?.children[0]?.self).toBe(2);
    expect(tree.nodes).toBe(5);
    expect(tree.prunedNodes).toBe(0);
  });

  it('prunes nodes under the fraction and reports them', () => {
    const p = profileFromPaths([['main;hot', 990], ['main;cold;colder', 10]]);
    const tree = buildFlameTree(p, { minFraction: 0.05 });
    expect(shape(tree.root)).toEqual({ 'all=1000': [{ 'main=1000': ['hot=990'] }] });
    expect(tree.prunedNodes).toBe(2);
    expect(tree.prunedSamples).toBe(10);
  });

  it('keeps at most maxNodes nodes, the largest ones, as a connected tree', () => {
    const paths: [string, number][] = [];
    for (let i = 0; i < 1000; i++) paths.push([`main;f${i};g${i}`, i + 1]);
    const tree = buildFlameTree(profileFromPaths(paths), { maxNodes: 101 });
    expect(tree.nodes).toBeLessThanOrEqual(101);
    expect(tree.nodes).toBeGreaterThan(90);
    const main = tree.root.children[0];
    expect(main?.value).toBe(500500);
    const kept = main?.children.map((c) => c.value) ?? [];
    expect(Math.min(...kept)).toBeGreaterThan(900);
    expect(tree.prunedNodes + tree.nodes).toBe(2002);
  });

  it('groups by process when asked, and filters rows', () => {
    const p = profileFromPaths([['main;a', 2]]);
    const rows = p.samples.map((s) => ({ ...s }));
    const twoProcs = { ...p, samples: [...rows, { ...rows[0]!, comm: 'other', pid: 7, tid: 7, count: 3 }] };
    const tree = buildFlameTree(twoProcs, { byProcess: true });
    expect(tree.root.children.map((c) => `${c.kind}:${c.name}=${c.value}`)).toEqual(['process:app=2', 'process:other=3']);
    expect(buildFlameTree(twoProcs, { filter: (r) => r.pid === 7 }).root.value).toBe(3);
  });

  it('carries the frame kind', () => {
    const p = profileFromPaths([['main;sys_read', 1]], { sys_read: { kind: 'kernel' } });
    expect(buildFlameTree(p).root.children[0]?.children[0]?.kind).toBe('kernel');
  });
});

describe('topFunctions', () => {
  it('counts self at the leaf and total once per stack despite recursion', () => {
    const p = profileFromPaths([['main;fib;fib;fib', 4], ['main;work', 6]]);
    const top = topFunctions(p);
    expect(top.totalSamples).toBe(10);
    expect(top.functions).toEqual([
      { name: 'work', kind: 'user', self: 6, total: 6 },
      { name: 'fib', kind: 'user', self: 4, total: 4 },
      { name: 'main', kind: 'user', self: 0, total: 10 },
    ]);
    expect(topFunctions(p, { limit: 1 }).functions).toHaveLength(1);
  });
});

describe('symbolizationQuality', () => {
  it('counts frames, occurrences and leaf samples per status', () => {
    const p = profileFromPaths([['main;0x1234', 3], ['main;ok', 1]], { '0x1234': { status: 'no-symbols' } });
    const q = symbolizationQuality(p);
    expect(q.byStatus['no-symbols']).toEqual({ frames: 1, occurrences: 3, leafSamples: 3 });
    expect(q.byStatus.symbolized).toEqual({ frames: 2, occurrences: 5, leafSamples: 1 });
    expect(q.resolvedLeafFraction).toBeCloseTo(0.25);
    expect(q.totalSamples).toBe(4);
  });
});

describe('buildFlameTree at scale', () => {
  it('prunes a 200k-node tree to the node limit with consistent values', () => {
    const paths: [string, number][] = [];
    for (let i = 0; i < 50_000; i++) paths.push([`main;m${i % 50};f${i};g${i};h${i};k${i}`, 1 + (i % 7)]);
    const p = profileFromPaths(paths);
    const tree = buildFlameTree(p, { maxNodes: 20_000 });
    expect(tree.nodes + tree.prunedNodes).toBeGreaterThan(200_000);
    expect(tree.nodes).toBeLessThanOrEqual(20_000);
    expect(tree.root.value).toBe(p.meta.sampleCount);
    let kept = 0;
    const walk = (node: FlameNode): void => {
      kept++;
      const below = node.children.reduce((a, c) => a + c.value, 0);
      expect(below + node.self).toBeLessThanOrEqual(node.value);
      node.children.forEach(walk);
    };
    walk(tree.root);
    expect(kept).toBe(tree.nodes);
  });
});
