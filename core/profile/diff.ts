// Two profiles compared by function and by call path, normalized the way `go tool pprof
// -normalize -diff_base BASE TARGET` does it: the target's values are scaled by
// baseSamples / targetSamples, so a 30 s capture at 999 Hz compares with a 10 s one at 99 Hz.
// A delta is then `target × scale − base`, in samples of the base; equivalently, the change of
// the function's share of all samples times the base's total.
//
// By function: self (the function is the leaf, pprof's "flat") and total (the function is on
// the stack, counted once per stack however deep the recursion, pprof's "cum").
import type { FrameKind, Profile, SampleRow } from './types';
import type { FlameNodeKind } from './flame';

export interface FunctionDiff {
  readonly name: string;
  readonly kind: FrameKind;
  /** Raw samples in the base and in the target (not normalized). */
  readonly baseSelf: number;
  readonly baseTotal: number;
  readonly targetSelf: number;
  readonly targetTotal: number;
  /** targetSelf × scale − baseSelf: positive is a regression (more time), negative an improvement. */
  readonly selfDelta: number;
  readonly totalDelta: number;
  /** Change of the share of all samples, as a fraction (0.05 = five percentage points). */
  readonly selfShareDelta: number;
  readonly totalShareDelta: number;
}

export interface ProfileDiff {
  readonly baseSamples: number;
  readonly targetSamples: number;
  /** The target's values are multiplied by this (baseSamples / targetSamples; 0 when the target is empty). */
  readonly scale: number;
  /** Every function of either profile, in `go tool pprof -top`'s order: |selfDelta| descending, then name. */
  readonly functions: readonly FunctionDiff[];
}

export interface DiffOptions {
  readonly baseFilter?: (row: SampleRow) => boolean;
  readonly targetFilter?: (row: SampleRow) => boolean;
}

/** One sentence for the UI and the CLI: how the two were made comparable. */
export function describeNormalization(diff: Pick<ProfileDiff, 'baseSamples' | 'targetSamples' | 'scale'>): string {
  return `Normalized as go tool pprof -normalize does: the target's ${diff.targetSamples.toLocaleString('en-US')} samples are scaled ×${diff.scale.toPrecision(4)} to the base's ${diff.baseSamples.toLocaleString('en-US')}; deltas are in base samples.`;
}

class Names {
  readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  readonly kinds: FrameKind[] = [];
  id(name: string, kind: FrameKind): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
      this.kinds.push(kind);
    }
    return id;
  }
}

function stackCounts(profile: Profile, filter?: (row: SampleRow) => boolean): Float64Array {
  const counts = new Float64Array(profile.stacks.length);
  for (const row of profile.samples) {
    if (filter && !filter(row)) continue;
    if (row.stack >= 0 && row.stack < counts.length) counts[row.stack] = (counts[row.stack] as number) + row.count;
  }
  return counts;
}

interface Totals {
  readonly self: Float64Array;
  readonly total: Float64Array;
  readonly samples: number;
}

function functionTotals(profile: Profile, frameName: Int32Array, counts: Float64Array, nameCount: number): Totals {
  const self = new Float64Array(nameCount);
  const total = new Float64Array(nameCount);
  // The stack that last counted a name in `total`: recursion counts once per stack.
  const seen = new Int32Array(nameCount).fill(-1);
  let samples = 0;
  for (let s = 0; s < counts.length; s++) {
    const n = counts[s] as number;
    if (n === 0) continue;
    const stack = profile.stacks[s];
    if (stack === undefined) continue;
    samples += n;
    for (let d = 0; d < stack.length; d++) {
      const id = frameName[stack[d] as number];
      if (id === undefined || id < 0) continue;
      if (d === 0) self[id] = (self[id] as number) + n;
      if (seen[id] !== s) {
        seen[id] = s;
        total[id] = (total[id] as number) + n;
      }
    }
  }
  return { self, total, samples };
}

function frameNames(profile: Profile, names: Names): Int32Array {
  const out = new Int32Array(profile.frames.length);
  profile.frames.forEach((f, i) => {
    out[i] = names.id(f.name, f.kind);
  });
  return out;
}

function snap(delta: number, epsilon: number): number {
  return Math.abs(delta) < epsilon ? 0 : delta;
}

export function byPprofFlatOrder(a: FunctionDiff, b: FunctionDiff): number {
  return Math.abs(b.selfDelta) - Math.abs(a.selfDelta) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || Math.abs(b.totalDelta) - Math.abs(a.totalDelta);
}

export function diffProfiles(base: Profile, target: Profile, options: DiffOptions = {}): ProfileDiff {
  const names = new Names();
  const baseNames = frameNames(base, names);
  const targetNames = frameNames(target, names);
  const b = functionTotals(base, baseNames, stackCounts(base, options.baseFilter), names.names.length);
  const t = functionTotals(target, targetNames, stackCounts(target, options.targetFilter), names.names.length);
  const scale = t.samples > 0 ? b.samples / t.samples : 0;
  const baseShare = b.samples > 0 ? 1 / b.samples : 0;
  const targetShare = t.samples > 0 ? 1 / t.samples : 0;
  // Floating-point residue (3030 × (1000/3030) − 1000) is no change.
  const epsilon = 1e-9 * Math.max(1, b.samples);
  const functions: FunctionDiff[] = [];
  for (let id = 0; id < names.names.length; id++) {
    const baseSelf = b.self[id] as number;
    const baseTotal = b.total[id] as number;
    const targetSelf = t.self[id] as number;
    const targetTotal = t.total[id] as number;
    if (baseTotal === 0 && targetTotal === 0) continue;
    functions.push({
      name: names.names[id] as string,
      kind: names.kinds[id] as FrameKind,
      baseSelf,
      baseTotal,
      targetSelf,
      targetTotal,
      selfDelta: snap(targetSelf * scale - baseSelf, epsilon),
      totalDelta: snap(targetTotal * scale - baseTotal, epsilon),
      selfShareDelta: targetSelf * targetShare - baseSelf * baseShare,
      totalShareDelta: targetTotal * targetShare - baseTotal * baseShare,
    });
  }
  functions.sort(byPprofFlatOrder);
  return { baseSamples: b.samples, targetSamples: t.samples, scale, functions };
}

export interface Changes {
  /** Largest positive deltas first. */
  readonly regressions: readonly FunctionDiff[];
  /** Largest negative deltas first. */
  readonly improvements: readonly FunctionDiff[];
}

/** The biggest regressions and improvements by self or total (functions whose delta is 0 are in neither). */
export function biggestChanges(diff: ProfileDiff, by: 'self' | 'total', limit: number): Changes {
  const delta = by === 'self' ? (f: FunctionDiff) => f.selfDelta : (f: FunctionDiff) => f.totalDelta;
  const tie = (a: FunctionDiff, b: FunctionDiff): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const regressions = diff.functions.filter((f) => delta(f) > 0).sort((a, b) => delta(b) - delta(a) || tie(a, b));
  const improvements = diff.functions.filter((f) => delta(f) < 0).sort((a, b) => delta(a) - delta(b) || tie(a, b));
  return { regressions: regressions.slice(0, limit), improvements: improvements.slice(0, limit) };
}

/** The comparison as a table: what `emberscope compare` prints and the compare view lists. */
export interface ComparisonTable {
  readonly baseSamples: number;
  readonly targetSamples: number;
  readonly scale: number;
  /** describeNormalization's sentence. */
  readonly normalization: string;
  readonly bySelf: Changes;
  readonly byTotal: Changes;
  /** The first `limit` functions in `go tool pprof -top -diff_base` order (|self delta|, then name), unchanged ones left out. */
  readonly flat: readonly FunctionDiff[];
}

export function comparisonTable(diff: ProfileDiff, limit: number): ComparisonTable {
  return {
    baseSamples: diff.baseSamples,
    targetSamples: diff.targetSamples,
    scale: diff.scale,
    normalization: describeNormalization(diff),
    bySelf: biggestChanges(diff, 'self', limit),
    byTotal: biggestChanges(diff, 'total', limit),
    flat: diff.functions.filter((f) => f.selfDelta !== 0 || f.totalDelta !== 0).slice(0, limit),
  };
}

// ---------------------------------------------------------------- the differential flame tree

export interface DiffFlameNode {
  readonly name: string;
  readonly kind: FlameNodeKind;
  /** Raw inclusive samples of this call path in the base and in the target. */
  readonly base: number;
  readonly target: number;
  /** Share of all samples of each profile (0..1). */
  readonly baseShare: number;
  readonly targetShare: number;
  /** targetShare − baseShare: what the frame's colour shows. */
  readonly shareDelta: number;
  /**
   * The drawn width: base + target × scale (both captures together, normalized), so that a
   * frame that vanished in the target is still drawn. A child's value never exceeds its parent's.
   */
  readonly value: number;
  readonly children: DiffFlameNode[];
}

export interface DiffFlameTree {
  readonly root: DiffFlameNode;
  readonly nodes: number;
  readonly prunedNodes: number;
  readonly scale: number;
}

export interface DiffFlameOptions extends DiffOptions {
  /** Drop nodes whose share is below this fraction in both profiles (default 0). */
  readonly minFraction?: number;
  /** Keep at most this many nodes, breadth-first by name order (default 50,000). */
  readonly maxNodes?: number;
}

interface Building {
  readonly name: string;
  readonly kind: FlameNodeKind;
  base: number;
  target: number;
  children: Map<number, Building> | undefined;
}

function addStacks(root: Building, profile: Profile, frameName: Int32Array, counts: Float64Array, which: 'base' | 'target', count: { n: number }): void {
  for (let s = 0; s < counts.length; s++) {
    const n = counts[s] as number;
    const stack = profile.stacks[s];
    if (n === 0 || stack === undefined) continue;
    let at = root;
    at[which] += n;
    for (let i = stack.length - 1; i >= 0; i--) {
      const frameIndex = stack[i] as number;
      const frame = profile.frames[frameIndex];
      if (frame === undefined) continue;
      const id = frameName[frameIndex] as number;
      at.children ??= new Map();
      let next = at.children.get(id);
      if (next === undefined) {
        next = { name: frame.name, kind: frame.kind, base: 0, target: 0, children: undefined };
        at.children.set(id, next);
        count.n++;
      }
      next[which] += n;
      at = next;
    }
  }
}

export function buildDiffFlameTree(base: Profile, target: Profile, options: DiffFlameOptions = {}): DiffFlameTree {
  const names = new Names();
  const baseNames = frameNames(base, names);
  const targetNames = frameNames(target, names);
  const root: Building = { name: 'all', kind: 'root', base: 0, target: 0, children: undefined };
  const count = { n: 1 };
  addStacks(root, base, baseNames, stackCounts(base, options.baseFilter), 'base', count);
  addStacks(root, target, targetNames, stackCounts(target, options.targetFilter), 'target', count);
  const baseTotal = root.base;
  const targetTotal = root.target;
  const scale = targetTotal > 0 ? baseTotal / targetTotal : 0;
  const minFraction = options.minFraction ?? 0;
  const maxNodes = Math.max(1, options.maxNodes ?? 50_000);
  const freeze = (b: Building): DiffFlameNode => {
    const baseShare = baseTotal > 0 ? b.base / baseTotal : 0;
    const targetShare = targetTotal > 0 ? b.target / targetTotal : 0;
    return { name: b.name, kind: b.kind, base: b.base, target: b.target, baseShare, targetShare, shareDelta: targetShare - baseShare, value: b.base + b.target * scale, children: [] };
  };
  const out = freeze(root);
  let kept = 1;
  const queue: [Building, DiffFlameNode][] = [[root, out]];
  for (let q = 0; q < queue.length; q++) {
    const [from, to] = queue[q] as [Building, DiffFlameNode];
    if (from.children === undefined) continue;
    const children = [...from.children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) {
      const frozen = freeze(child);
      if (kept < maxNodes && Math.max(frozen.baseShare, frozen.targetShare) >= minFraction) {
        to.children.push(frozen);
        queue.push([child, frozen]);
        kept++;
      }
    }
  }
  return { root: out, nodes: kept, prunedNodes: count.n - kept, scale };
}
