// A call tree built from paths of frames, merged by function name, pruned to a drawable size and
// returned in the flame tree's shape (FlameTree). buildFlameTree walks each stack root to leaf;
// the inverted tree and the sandwich walk other slices of the stacks through the same builder.
import type { FlameNode, FlameNodeKind, FlameTree } from './flame';
import type { Profile } from './types';

export interface TreeLimits {
  /** Drop nodes below this fraction of the root's samples (default 0). */
  readonly minFraction?: number;
  /** Keep at most this many nodes, the largest ones (default 50,000). */
  readonly maxNodes?: number;
}

const DEFAULT_MAX_NODES = 50_000;

/**
 * Name id per frame index: frames that differ only in file, line or address share an id. A
 * tree node stands for its name's first frame (`first`), so its kind does not depend on the
 * order the stacks are walked in.
 */
export function frameNameIds(profile: Profile): { readonly ids: Int32Array; readonly byName: ReadonlyMap<string, number>; readonly first: Int32Array } {
  const byName = new Map<string, number>();
  const ids = new Int32Array(profile.frames.length);
  const first: number[] = [];
  profile.frames.forEach((f, i) => {
    let id = byName.get(f.name);
    if (id === undefined) {
      id = byName.size;
      byName.set(f.name, id);
      first.push(i);
    }
    ids[i] = id;
  });
  return { ids, byName, first: Int32Array.from(first) };
}

/** A node of the tree being built: an index into the builder's columns. */
export type TreeNodeId = number;

const ROOT: TreeNodeId = 0;

/**
 * (parent, name id) → child, by open addressing over Int32Arrays: several times faster than a
 * Map keyed by a number built from both (mostly beyond a small integer, so hashed as a double).
 */
export class ChildIndex {
  private mask = 1023;
  private parents = new Int32Array(1024).fill(-1);
  private names = new Int32Array(1024);
  private children = new Int32Array(1024);
  private size = 0;

  get(parent: number, name: number): number {
    for (let i = hash(parent, name) & this.mask; ; i = (i + 1) & this.mask) {
      const p = this.parents[i] as number;
      if (p === -1) return -1;
      if (p === parent && this.names[i] === name) return this.children[i] as number;
    }
  }

  set(parent: number, name: number, child: number): void {
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    this.put(parent, name, child);
    this.size++;
  }

  private put(parent: number, name: number, child: number): void {
    let i = hash(parent, name) & this.mask;
    while (this.parents[i] !== -1) i = (i + 1) & this.mask;
    this.parents[i] = parent;
    this.names[i] = name;
    this.children[i] = child;
  }

  private grow(): void {
    const [parents, names, children] = [this.parents, this.names, this.children];
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.parents = new Int32Array(cap).fill(-1);
    this.names = new Int32Array(cap);
    this.children = new Int32Array(cap);
    for (let i = 0; i < parents.length; i++) if (parents[i] !== -1) this.put(parents[i] as number, names[i] as number, children[i] as number);
  }
}

function hash(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) >>> 0;
}

/**
 * Builds the tree in columns (typed arrays indexed by node id, children found through an index
 * keyed by parent and name id) rather than an object and a Map per node: an inverted tree of
 * 200k stacks has ~1.7M nodes before pruning, and only the kept ones become FlameNode objects.
 */
export class TreeBuilder {
  private cap = 1024;
  private value = new Float64Array(this.cap);
  private self = new Float64Array(this.cap);
  private parent = new Int32Array(this.cap);
  /** A frame of the node's name (its kind too); -1 for the root, -2 - g for group g. */
  private frameOf = new Int32Array(this.cap);
  private count = 1;
  private readonly index = new ChildIndex();
  private readonly nameIds: Int32Array;
  private readonly firstFrame: Int32Array;
  private readonly groups = new Map<string, TreeNodeId>();
  private readonly groupInfo: { name: string; kind: FlameNodeKind }[] = [];

  constructor(
    private readonly profile: Profile,
    private readonly rootName: string,
    private readonly rootKind: FlameNodeKind = 'root',
    names?: { readonly ids: Int32Array; readonly first: Int32Array },
  ) {
    const { ids, first } = names ?? frameNameIds(profile);
    this.nameIds = ids;
    this.firstFrame = first;
    this.frameOf[ROOT] = -1;
    this.parent[ROOT] = -1;
  }

  /** A node under the root for a group (a process); created on first use. */
  group(name: string, kind: FlameNodeKind = 'process'): TreeNodeId {
    let g = this.groups.get(name);
    if (g === undefined) {
      g = this.newNode(ROOT, -2 - this.groupInfo.length);
      this.groupInfo.push({ name, kind });
      this.groups.set(name, g);
    }
    return g;
  }

  /**
   * Adds `samples` along stack[from], stack[from + step], ... up to but not including stack[to],
   * under `start` (the root by default). `selfAt` says which node the samples are self time of:
   * 'last' (the end of the path), 'first' (the first frame added) or none.
   */
  add(stack: readonly number[], from: number, to: number, step: 1 | -1, samples: number, selfAt: 'last' | 'first' | 'none', start: TreeNodeId = ROOT): void {
    let at = start;
    if (start !== ROOT) this.value[ROOT] = (this.value[ROOT] ?? 0) + samples;
    this.value[at] = (this.value[at] ?? 0) + samples;
    let first = -1;
    for (let i = from; i !== to; i += step) {
      const frameIndex = stack[i] as number;
      if (this.profile.frames[frameIndex] === undefined) continue;
      const nameId = this.nameIds[frameIndex] as number;
      let next = this.index.get(at, nameId);
      if (next < 0) {
        next = this.newNode(at, this.firstFrame[nameId] as number);
        this.index.set(at, nameId, next);
      }
      this.value[next] = (this.value[next] ?? 0) + samples;
      at = next;
      if (first < 0) first = next;
    }
    const selfNode = selfAt === 'last' ? at : selfAt === 'first' ? (first < 0 ? at : first) : -1;
    if (selfNode >= 0) this.self[selfNode] = (this.self[selfNode] ?? 0) + samples;
  }

  private newNode(parent: TreeNodeId, frameOf: number): TreeNodeId {
    if (this.count === this.cap) {
      this.cap *= 2;
      this.value = grow(this.value, new Float64Array(this.cap));
      this.self = grow(this.self, new Float64Array(this.cap));
      this.parent = grow(this.parent, new Int32Array(this.cap));
      this.frameOf = grow(this.frameOf, new Int32Array(this.cap));
    }
    const id = this.count++;
    this.parent[id] = parent;
    this.frameOf[id] = frameOf;
    return id;
  }

  finish(limits: TreeLimits = {}): FlameTree {
    return freezeTree(
      {
        count: this.count,
        value: this.value,
        self: this.self,
        parent: this.parent,
        nameOf: (id) => this.nameOf(id),
        kindOf: (id) => this.kindOf(id),
      },
      limits,
    );
  }

  private nameOf(id: TreeNodeId): string {
    const f = this.frameOf[id] as number;
    if (f === -1) return this.rootName;
    if (f <= -2) return this.groupInfo[-2 - f]?.name ?? '';
    return this.profile.frames[f]?.name ?? '';
  }

  private kindOf(id: TreeNodeId): FlameNodeKind {
    const f = this.frameOf[id] as number;
    return f === -1 ? this.rootKind : f <= -2 ? (this.groupInfo[-2 - f]?.kind ?? 'process') : (this.profile.frames[f]?.kind ?? 'unknown');
  }
}

/** A tree in columns, parents before children (node 0 the root), as built or remapped. */
export interface TreeColumns {
  readonly count: number;
  readonly value: Float64Array;
  readonly self: Float64Array;
  readonly parent: Int32Array;
  nameOf(id: number): string;
  kindOf(id: number): FlameNodeKind;
}

/**
 * Prunes the columns to the limits and returns the kept nodes as FlameNode objects, children
 * sorted by name. Nodes without samples (left by a filter or a transform) are not counted as
 * pruned: a tree built from the filtered stacks would not have them.
 */
export function freezeTree(t: TreeColumns, limits: TreeLimits = {}): FlameTree {
  const n = t.count;
  const maxNodes = Math.max(1, limits.maxNodes ?? DEFAULT_MAX_NODES);
  const threshold = pruneThreshold(t.value.subarray(0, n), Math.max(Number.MIN_VALUE, (limits.minFraction ?? 0) * (t.value[ROOT] ?? 0)), maxNodes);
  // The candidates (value >= threshold: a connected tree, as no child outweighs its parent)
  // listed per parent, and every node's children's total for the pruned samples.
  const childSum = new Float64Array(n);
  const firstChild = new Int32Array(n + 1);
  let empty = 0;
  for (let id = 1; id < n; id++) {
    const p = t.parent[id] as number;
    const v = t.value[id] ?? 0;
    if (v === 0) empty++;
    childSum[p] = (childSum[p] ?? 0) + v;
    if (v >= threshold) firstChild[p + 1] = (firstChild[p + 1] ?? 0) + 1;
  }
  for (let id = 0; id < n; id++) firstChild[id + 1] = (firstChild[id + 1] ?? 0) + (firstChild[id] ?? 0);
  const fill = firstChild.slice(0, n);
  const children = new Int32Array(firstChild[n] ?? 0);
  for (let id = 1; id < n; id++) {
    if ((t.value[id] ?? 0) < threshold) continue;
    const p = t.parent[id] as number;
    children[fill[p] ?? 0] = id;
    fill[p] = (fill[p] ?? 0) + 1;
  }
  const freeze = (id: number): FlameNode => ({ name: t.nameOf(id), value: t.value[id] ?? 0, self: t.self[id] ?? 0, kind: t.kindOf(id), children: [] });
  const out = freeze(ROOT);
  let kept = 1;
  let prunedSamples = 0;
  // Breadth-first, so that when equal values straddle the node limit the shallow ones win.
  const queue: [TreeNodeId, FlameNode][] = [[ROOT, out]];
  for (let q = 0; q < queue.length; q++) {
    const [id, to] = queue[q] as [TreeNodeId, FlameNode];
    prunedSamples += childSum[id] ?? 0;
    const list = Array.from(children.subarray(firstChild[id] ?? 0, firstChild[id + 1] ?? 0), (c) => ({ c, name: t.nameOf(c) }));
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const { c } of list) {
      if (kept >= maxNodes) break;
      const frozen = freeze(c);
      to.children.push(frozen);
      queue.push([c, frozen]);
      prunedSamples -= t.value[c] ?? 0;
      kept++;
    }
  }
  return { root: out, nodes: kept, prunedNodes: n - kept - empty, prunedSamples };
}

function grow<T extends Float64Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** Smallest value kept: `floor`, raised so that at most about maxNodes nodes reach it. */
function pruneThreshold(values: Float64Array, floor: number, maxNodes: number): number {
  if (values.length <= maxNodes) return floor;
  let above = 0;
  for (const v of values) if (v >= floor) above++;
  if (above <= maxNodes) return floor;
  const candidates = new Float64Array(above);
  let i = 0;
  for (const v of values) if (v >= floor) candidates[i++] = v;
  return Math.max(floor, kthLargest(candidates, maxNodes));
}

/** The k-th largest value (1-based) by quickselect, in place: O(n) instead of a sort. */
export function kthLargest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  const want = a.length - k;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1] ?? 0;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while ((a[i] ?? 0) < pivot) i++;
      while ((a[j] ?? 0) > pivot) j--;
      if (i <= j) {
        const t = a[i] ?? 0;
        a[i] = a[j] ?? 0;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else break;
  }
  return a[want] ?? 0;
}
