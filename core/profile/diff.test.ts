import { describe, expect, it } from 'vitest';
import { biggestChanges, buildDiffFlameTree, describeNormalization, diffProfiles, type DiffFlameNode } from './diff';
import { compareFixtures } from '../testing/compare-fixtures';
import { profileFromPaths } from '../testing/fixtures';

function find(node: DiffFlameNode, path: string): DiffFlameNode | undefined {
  let at: DiffFlameNode | undefined = node;
  for (const name of path.split(';')) at = at?.children.find((c) => c.name === name);
  return at;
}

describe('diffProfiles', () => {
  it('scales the target to the base total and orders by |flat delta| as pprof -top does', () => {
    const { base, target } = compareFixtures();
    const diff = diffProfiles(base, target);
    expect(diff.baseSamples).toBe(1000);
    expect(diff.targetSamples).toBe(3030);
    expect(diff.scale).toBeCloseTo(1000 / 3030, 12);
    const s = 1000 / 3030;
    const byName = Object.fromEntries(diff.functions.map((f) => [f.name, f]));
    expect(byName.tokenize?.selfDelta).toBeCloseTo(600 * s - 300, 9);
    expect(byName.gc?.selfDelta).toBe(-50);
    expect(byName.encode?.selfDelta).toBeCloseTo(270 * s, 9);
    expect(byName.parse?.totalDelta).toBeCloseTo(1050 * s - 400, 9);
    expect(byName.parse?.selfShareDelta).toBeCloseTo(450 / 3030 - 0.1, 12);
    expect(byName.main?.totalDelta).toBe(0);
    expect(diff.functions.map((f) => f.name)).toEqual(['tokenize', 'encode', 'sha_block', 'gc', 'parse', 'read', 'hash', 'io', 'json', 'main']);
    expect(describeNormalization(diff)).toMatch(/go tool pprof -normalize.*3,030.*×0\.3300.*1,000/);
  });

  it('splits regressions from improvements, by self and by total', () => {
    const { base, target } = compareFixtures();
    const diff = diffProfiles(base, target);
    const self = biggestChanges(diff, 'self', 3);
    expect(self.regressions.map((f) => f.name)).toEqual(['encode', 'sha_block', 'parse']);
    expect(self.improvements.map((f) => f.name)).toEqual(['tokenize', 'gc', 'read']);
    // Equal deltas (encode and json: +89.1; io and read: −41.1) by name; main (0) in neither.
    const total = biggestChanges(diff, 'total', 10);
    expect(total.regressions.map((f) => f.name)).toEqual(['encode', 'json', 'hash', 'sha_block']);
    expect(total.improvements.map((f) => f.name)).toEqual(['tokenize', 'parse', 'gc', 'io', 'read']);
  });

  it('counts a recursive function once per stack in total', () => {
    const base = profileFromPaths([['main;f;f;f', 10]]);
    const target = profileFromPaths([['main;f;g', 10]]);
    const diff = diffProfiles(base, target);
    const f = diff.functions.find((x) => x.name === 'f');
    expect(f).toMatchObject({ baseTotal: 10, targetTotal: 10, baseSelf: 10, targetSelf: 0, totalDelta: 0, selfDelta: -10 });
  });

  it('an empty target gives scale 0 and only improvements', () => {
    const base = profileFromPaths([['main;a', 5]]);
    const target = profileFromPaths([]);
    const diff = diffProfiles(base, target);
    expect(diff.scale).toBe(0);
    expect(biggestChanges(diff, 'self', 5)).toEqual({ regressions: [], improvements: [expect.objectContaining({ name: 'a', selfDelta: -5 })] });
  });
});

describe('buildDiffFlameTree', () => {
  it('merges both profiles by call path, with share deltas and a normalized width', () => {
    const { base, target } = compareFixtures();
    const tree = buildDiffFlameTree(base, target);
    expect(tree.root).toMatchObject({ base: 1000, target: 3030, shareDelta: 0 });
    expect(tree.root.value).toBeCloseTo(2000, 9);
    const gc = find(tree.root, 'main;gc');
    expect(gc).toMatchObject({ base: 50, target: 0, baseShare: 0.05, targetShare: 0, shareDelta: -0.05, value: 50 });
    const encode = find(tree.root, 'main;json;encode');
    expect(encode?.shareDelta).toBeCloseTo(270 / 3030, 12);
    expect(encode?.base).toBe(0);
    const parse = find(tree.root, 'main;parse');
    expect(parse?.shareDelta).toBeCloseTo(1050 / 3030 - 0.4, 12);
    // Children never wider than their parent.
    const check = (n: DiffFlameNode): void => {
      const sum = n.children.reduce((a, c) => a + c.value, 0);
      expect(sum).toBeLessThanOrEqual(n.value + 1e-9);
      n.children.forEach(check);
    };
    check(tree.root);
    expect(tree.nodes).toBe(11);
  });

  it('prunes paths small in both profiles, and caps the node count', () => {
    const { base, target } = compareFixtures();
    const pruned = buildDiffFlameTree(base, target, { minFraction: 0.06 });
    expect(find(pruned.root, 'main;gc')).toBeUndefined();
    expect(find(pruned.root, 'main;json;encode')).toBeDefined();
    expect(pruned.prunedNodes).toBe(1);
    expect(buildDiffFlameTree(base, target, { maxNodes: 3 }).nodes).toBe(3);
  });
});
