// The call node table of a profile (the Firefox Profiler's design): every distinct path of
// function names from the root is one node, in columns, parents before children, and every
// sample row points at the node of its leaf. It is built once per profile (and once more with
// the process level) and kept; the flame tree is then a pass over the nodes, and a transform
// (merge, focus, collapse recursion, a process or thread filter) maps nodes to the nodes of a
// new table instead of rewriting and re-interning every stack. applyTransforms stays the
// reference (and what exports use): the two agree, node for node, in the tests.
import { EmberError } from '../errors';
import type { FlameNodeKind, FlameTree } from './flame';
import { rankFunctions, type FunctionStat, type TopFunctions } from './top';
import { MAX_TRANSFORMS, type ProfileTransform } from './transforms';
import { ChildIndex, freezeTree, frameNameIds, type TreeLimits } from './tree-builder';
import type { Profile } from './types';

export interface CallNodes {
  readonly profile: Profile;
  /** Nodes, the root (0) included. */
  readonly count: number;
  /** Parent per node (-1 for the root); a parent's index is below its children's. */
  readonly parent: Int32Array;
  /** A frame of the node's name per node: -1 the root, -2 - g process group g. */
  readonly frame: Int32Array;
  /** Name id per node (frameNameIds), -1 the root, -2 - g process group g. */
  readonly name: Int32Array;
  /** Process names of the groups (empty without the process level). */
  readonly groups: readonly string[];
  /** Leaf node per sample row; -1: the row is left out. */
  readonly rowNode: Int32Array;
  /** Name id per frame index. */
  readonly nameIds: Int32Array;
}

export interface TransformedNodes {
  readonly nodes: CallNodes;
  /** Samples the transforms left out, as applyTransforms counts them. */
  readonly droppedSamples: number;
}

/** A table being filled: (parent, name) → node through a ChildIndex. */
class NodeTable {
  private cap = 1024;
  parent = new Int32Array(this.cap);
  frame = new Int32Array(this.cap);
  name = new Int32Array(this.cap);
  count = 1;
  private readonly index = new ChildIndex();

  constructor() {
    this.parent[0] = -1;
    this.frame[0] = -1;
    this.name[0] = -1;
  }

  child(parent: number, name: number, frame: number): number {
    const found = this.index.get(parent, name);
    if (found >= 0) return found;
    if (this.count === this.cap) {
      this.cap *= 2;
      this.parent = grown(this.parent, this.cap);
      this.frame = grown(this.frame, this.cap);
      this.name = grown(this.name, this.cap);
    }
    const id = this.count++;
    this.parent[id] = parent;
    this.frame[id] = frame;
    this.name[id] = name;
    this.index.set(parent, name, id);
    return id;
  }

  done(profile: Profile, groups: readonly string[], rowNode: Int32Array, nameIds: Int32Array): CallNodes {
    return { profile, count: this.count, parent: this.parent, frame: this.frame, name: this.name, groups, rowNode, nameIds };
  }
}

function grown(a: Int32Array<ArrayBuffer>, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

const cache = new WeakMap<Profile, { plain?: CallNodes; byProcess?: CallNodes }>();

/** The profile's call node table, with a node per process name under the root when asked; kept per profile. */
export function callNodes(profile: Profile, byProcess: boolean): CallNodes {
  let entry = cache.get(profile);
  if (entry === undefined) cache.set(profile, (entry = {}));
  const plain = entry.plain ?? (entry.plain = buildPlain(profile));
  if (!byProcess) return plain;
  return entry.byProcess ?? (entry.byProcess = withProcessLevel(plain));
}

function buildPlain(profile: Profile): CallNodes {
  const { ids, first } = frameNameIds(profile);
  const t = new NodeTable();
  // Stacks in index order (as buildFlameTree adds them), only those some row samples.
  const stackNode = new Int32Array(profile.stacks.length).fill(-1);
  for (const row of profile.samples) if (row.stack >= 0 && row.stack < stackNode.length) stackNode[row.stack] = 0;
  profile.stacks.forEach((stack, s) => {
    if (stackNode[s] === -1) return;
    let at = 0;
    for (let i = stack.length - 1; i >= 0; i--) {
      const f = stack[i] as number;
      const name = ids[f];
      if (name !== undefined) at = t.child(at, name, first[name] as number);
    }
    stackNode[s] = at;
  });
  const rowNode = Int32Array.from(profile.samples, (row) => stackNode[row.stack] ?? -1);
  return t.done(profile, [], rowNode, ids);
}

/** The plain table's paths under a node per process name: only the paths some row of that process reaches. */
function withProcessLevel(plain: CallNodes): CallNodes {
  const t = new NodeTable();
  const groups: string[] = [];
  const groupOf = new Map<string, number>();
  const memo = new ChildIndex(); // (plain node, group) → node
  const rowNode = new Int32Array(plain.rowNode.length).fill(-1);
  const path: number[] = [];
  plain.profile.samples.forEach((row, r) => {
    const leaf = plain.rowNode[r] as number;
    if (leaf < 0) return;
    let g = groupOf.get(row.comm);
    if (g === undefined) {
      g = groups.push(row.comm) - 1;
      groupOf.set(row.comm, g);
    }
    let n = leaf;
    let at = -1;
    while (n > 0 && (at = memo.get(n, g)) < 0) {
      path.push(n);
      n = plain.parent[n] as number;
    }
    if (n === 0) at = t.child(0, -2 - g, -2 - g);
    for (let k = path.length - 1; k >= 0; k--) {
      const p = path[k] as number;
      at = t.child(at, plain.name[p] as number, plain.frame[p] as number);
      memo.set(p, g, at);
    }
    path.length = 0;
    rowNode[r] = at;
  });
  return t.done(plain.profile, groups, rowNode, plain.nameIds);
}

/** The table with the transforms applied in order (row filters first, as applyTransforms does). */
export function transformNodes(nodes: CallNodes, transforms: readonly ProfileTransform[]): TransformedNodes {
  if (transforms.length > MAX_TRANSFORMS) throw new EmberError('BAD_OPTIONS', `at most ${MAX_TRANSFORMS} transforms can be applied at once`);
  let out = nodes;
  const rows = nodes.profile.samples;
  const keep = (test: (r: number) => boolean): void => {
    const rowNode = out.rowNode.slice();
    for (let r = 0; r < rowNode.length; r++) if (rowNode[r] !== -1 && !test(r)) rowNode[r] = -1;
    out = { ...out, rowNode };
  };
  for (const t of transforms) {
    if (t.type === 'only-processes') {
      const pids = new Set(t.pids);
      keep((r) => pids.has(rows[r]?.pid ?? -1));
    } else if (t.type === 'only-threads') {
      const tids = new Set(t.tids);
      keep((r) => tids.has(rows[r]?.tid ?? -1));
    } else if (t.type === 'focus-subtree' && t.comm !== undefined) {
      const comm = t.comm;
      keep((r) => rows[r]?.comm === comm);
    }
  }
  for (const t of transforms) {
    if (t.type === 'only-processes' || t.type === 'only-threads') continue;
    out = remap(out, t);
  }
  let dropped = 0;
  out.rowNode.forEach((n, r) => {
    if (n === -1) dropped += rows[r]?.count ?? 0;
  });
  return { nodes: out, droppedSamples: dropped };
}

type StackTransform = Exclude<ProfileTransform, { type: 'only-processes' | 'only-threads' }>;

/**
 * One transform as a map from the nodes to the nodes of a new table, parents first: a node's
 * image is found from its parent's. -1: the paths through the node are left out.
 */
function remap(src: CallNodes, t: StackTransform): CallNodes {
  const profile = src.profile;
  const n = src.count;
  const dst = new NodeTable();
  const map = new Int32Array(n).fill(-1);
  map[0] = 0;
  // The image of the node's process group (or of the root): where a focused path starts.
  const base = new Int32Array(n);
  const isGroup = (id: number): boolean => (src.frame[id] as number) <= -2;
  const copy = (id: number, under: number): number => dst.child(under, src.name[id] as number, src.frame[id] as number);
  const matchName = (name: string): Uint8Array => {
    const m = new Uint8Array(n);
    for (let id = 1; id < n; id++) {
      const f = src.frame[id] as number;
      if (f >= 0 && profile.frames[f]?.name === name) m[id] = 1;
    }
    return m;
  };

  if (t.type === 'merge-function') {
    const hit = matchName(t.name);
    for (let id = 1; id < n; id++) {
      const up = map[src.parent[id] as number] as number;
      map[id] = hit[id] === 1 ? up : copy(id, up);
    }
  } else if (t.type === 'collapse-recursion') {
    const hit = matchName(t.name);
    const outer = new Int32Array(n).fill(-1); // image of the outermost call on the path
    for (let id = 1; id < n; id++) {
      const p = src.parent[id] as number;
      if (hit[id] === 1 && (outer[p] as number) >= 0) {
        map[id] = outer[p] as number;
        outer[id] = outer[p] as number;
      } else {
        map[id] = copy(id, map[p] as number);
        outer[id] = hit[id] === 1 ? (map[id] as number) : (outer[p] as number);
      }
    }
  } else if (t.type === 'focus-function') {
    const hit = matchName(t.name);
    const inside = new Uint8Array(n);
    for (let id = 1; id < n; id++) {
      const p = src.parent[id] as number;
      if (isGroup(id)) {
        map[id] = copy(id, 0);
        base[id] = map[id] as number;
      } else if (inside[p] === 1) {
        inside[id] = 1;
        map[id] = copy(id, map[p] as number);
      } else if (hit[id] === 1) {
        inside[id] = 1;
        map[id] = copy(id, base[p] as number);
      }
      if (!isGroup(id)) base[id] = base[p] as number;
    }
    // An empty stack has no call of the function: rows at the root or a group are left out.
    map[0] = -1;
    for (let id = 1; id < n; id++) if (isGroup(id)) map[id] = -1;
  } else if (t.type === 'focus-subtree') {
    const path = t.path;
    // Depth below the root or the process group; on[id]: the names so far are the path's.
    const depth = new Int32Array(n);
    const on = new Uint8Array(n);
    on[0] = 1;
    for (let id = 1; id < n; id++) {
      const p = src.parent[id] as number;
      if (isGroup(id)) {
        on[id] = 1;
        map[id] = copy(id, 0);
        base[id] = map[id] as number;
        if (path.length > 0) map[id] = -1;
        continue;
      }
      base[id] = base[p] as number;
      const d = (depth[id] = (depth[p] as number) + 1);
      if (path.length === 0) {
        map[id] = copy(id, map[p] as number);
      } else if (d < path.length || d === path.length) {
        const f = src.frame[id] as number;
        if (on[p] === 1 && profile.frames[f]?.name === path[d - 1]) {
          on[id] = 1;
          if (d === path.length) map[id] = copy(id, base[id] as number);
        }
      } else if ((map[p] as number) >= 0) {
        map[id] = copy(id, map[p] as number);
      }
    }
    if (path.length > 0) map[0] = -1;
  } else {
    throw new EmberError('BAD_OPTIONS', 'unknown transform');
  }
  const rowNode = src.rowNode.map((node) => (node < 0 ? -1 : (map[node] as number)));
  return dst.done(profile, src.groups, rowNode, src.nameIds);
}

export interface NodeTreeOptions extends TreeLimits {
  readonly rootName?: string;
}

const trees = new WeakMap<CallNodes, Map<string, FlameTree>>();

/**
 * The call tree (flame tree) of a table: self at the rows' leaves, totals summed up to the root.
 * Kept per table and options, so going back to a view (the process level, "show all", removing
 * a transform) does not build it again.
 */
export function callNodesTree(nodes: CallNodes, options: NodeTreeOptions = {}): FlameTree {
  const key = `${options.minFraction ?? 0}/${options.maxNodes ?? ''}/${options.rootName ?? ''}`;
  let kept = trees.get(nodes);
  if (kept === undefined) trees.set(nodes, (kept = new Map()));
  const known = kept.get(key);
  if (known !== undefined) return known;
  const tree = buildTree(nodes, options);
  kept.set(key, tree);
  return tree;
}

/** Self samples per node (at the rows' leaves) and totals summed up to the root. */
function nodeValues(nodes: CallNodes): { readonly self: Float64Array; readonly value: Float64Array } {
  const self = new Float64Array(nodes.count);
  nodes.profile.samples.forEach((row, r) => {
    const at = nodes.rowNode[r] as number;
    if (at >= 0) self[at] = (self[at] ?? 0) + row.count;
  });
  const value = self.slice();
  for (let id = nodes.count - 1; id > 0; id--) {
    const p = nodes.parent[id] as number;
    value[p] = (value[p] ?? 0) + (value[id] ?? 0);
  }
  return { self, value };
}

/**
 * Top functions of a table, as topFunctions counts them: self where the function is the leaf,
 * total once per path (a node counts when no caller above it has its name), by a depth-first
 * walk that keeps how often each name is open on the path.
 */
export function callNodesTopFunctions(nodes: CallNodes, options: { limit?: number } = {}): TopFunctions {
  const { profile, count } = nodes;
  const { self, value } = nodeValues(nodes);
  const firstChild = new Int32Array(count + 1);
  for (let id = 1; id < count; id++) firstChild[(nodes.parent[id] as number) + 1] = (firstChild[(nodes.parent[id] as number) + 1] as number) + 1;
  for (let id = 0; id < count; id++) firstChild[id + 1] = (firstChild[id + 1] as number) + (firstChild[id] as number);
  const fill = firstChild.slice(0, count);
  const children = new Int32Array(Math.max(0, count - 1));
  for (let id = 1; id < count; id++) {
    const p = nodes.parent[id] as number;
    children[fill[p] as number] = id;
    fill[p] = (fill[p] as number) + 1;
  }
  let names = 0;
  for (let id = 1; id < count; id++) names = Math.max(names, (nodes.name[id] as number) + 1);
  const open = new Int32Array(names);
  const selfOf = new Float64Array(names);
  const totalOf = new Float64Array(names);
  const frameOf = new Int32Array(names).fill(-1);
  // Entering a node pushes it; ~id marks leaving it.
  const stack: number[] = [0];
  while (stack.length > 0) {
    const top = stack.pop() as number;
    if (top < 0) {
      const name = nodes.name[~top] as number;
      if (name >= 0) open[name] = (open[name] as number) - 1;
      continue;
    }
    if ((value[top] ?? 0) === 0) continue;
    const name = nodes.name[top] as number;
    if (name >= 0) {
      frameOf[name] = nodes.frame[top] as number;
      selfOf[name] = (selfOf[name] as number) + (self[top] ?? 0);
      if (open[name] === 0) totalOf[name] = (totalOf[name] as number) + (value[top] ?? 0);
      open[name] = (open[name] as number) + 1;
      stack.push(~top);
    }
    for (let c = firstChild[top] as number; c < (firstChild[top + 1] as number); c++) stack.push(children[c] as number);
  }
  const stats: FunctionStat[] = [];
  for (let name = 0; name < names; name++) {
    const frame = profile.frames[frameOf[name] as number];
    if ((totalOf[name] as number) > 0 && frame !== undefined) stats.push({ name: frame.name, kind: frame.kind, self: selfOf[name] as number, total: totalOf[name] as number });
  }
  return rankFunctions(stats, value[0] ?? 0, options.limit);
}

function buildTree(nodes: CallNodes, options: NodeTreeOptions): FlameTree {
  const { profile, count } = nodes;
  const { self, value } = nodeValues(nodes);
  const rootName = options.rootName ?? 'all';
  const nameOf = (id: number): string => {
    const f = nodes.frame[id] as number;
    if (f === -1) return rootName;
    if (f <= -2) return nodes.groups[-2 - f] ?? '';
    return profile.frames[f]?.name ?? '';
  };
  const kindOf = (id: number): FlameNodeKind => {
    const f = nodes.frame[id] as number;
    return f === -1 ? 'root' : f <= -2 ? 'process' : (profile.frames[f]?.kind ?? 'unknown');
  };
  return freezeTree({ count, value, self, parent: nodes.parent, nameOf, kindOf }, options);
}

/**
 * The inverted (bottom-up) tree of a table: the sampled functions as roots, their callers
 * below. Built level by level from the leaves, expanding only nodes that survive the
 * minFraction floor, so the deep, thin paths of a large profile are never built: buildInvertedTree
 * made about 1.7M nodes for 200k stacks to keep 50k. Because pruned nodes are not expanded,
 * `prunedNodes` counts only the pruned nodes whose caller was kept.
 */
export function callNodesInvertedTree(nodes: CallNodes, options: NodeTreeOptions = {}): FlameTree {
  const { profile, count } = nodes;
  const leafSelf = new Float64Array(count);
  profile.samples.forEach((row, r) => {
    const at = nodes.rowNode[r] as number;
    if (at >= 0) leafSelf[at] = (leafSelf[at] ?? 0) + row.count;
  });
  const isGroup = (id: number): boolean => (nodes.frame[id] as number) <= -2;
  const out = { count: 1, parent: [-1], frame: [-1], value: [0], self: [0] };
  const add = (parent: number, frame: number): number => {
    out.parent.push(parent);
    out.frame.push(frame);
    out.value.push(0);
    out.self.push(0);
    return out.count++;
  };
  // A level: inverted nodes, each with its entries (a call node at this depth, the samples of
  // the leaf it came from), stored contiguously.
  let level: { id: number; from: number; to: number }[] = [];
  let at: Int32Array = new Int32Array(0);
  let weight: Float64Array = new Float64Array(0);
  {
    // Level one: a node per leaf name (under its process group, with the process level).
    const groupOf = new Int32Array(count); // the node's process group node in the table, 0 without
    const firstLevel = new ChildIndex(); // (inverted parent, name) → inverted node
    const entryOf = new Int32Array(count).fill(-1); // leaf node → its inverted node
    let entries = 0;
    for (let n = 1; n < count; n++) groupOf[n] = isGroup(n) ? n : (groupOf[nodes.parent[n] as number] as number);
    const groupNode = new Map<number, number>();
    for (let n = 0; n < count; n++) {
      const w = leafSelf[n] ?? 0;
      if (w === 0) continue;
      out.value[0] = (out.value[0] ?? 0) + w;
      if (n === 0) {
        out.self[0] = (out.self[0] ?? 0) + w;
        continue;
      }
      let parent = 0;
      const up = groupOf[n] as number;
      if (up > 0) {
        let g = groupNode.get(up);
        if (g === undefined) groupNode.set(up, (g = add(0, nodes.frame[up] as number)));
        out.value[g] = (out.value[g] ?? 0) + w;
        parent = g;
        if (up === n) {
          out.self[g] = (out.self[g] ?? 0) + w;
          continue;
        }
      }
      const name = nodes.name[n] as number;
      let id = firstLevel.get(parent, name);
      if (id < 0) firstLevel.set(parent, name, (id = add(parent, nodes.frame[n] as number)));
      out.value[id] = (out.value[id] ?? 0) + w;
      out.self[id] = (out.self[id] ?? 0) + w;
      entryOf[n] = id;
      entries++;
    }
    // The entries grouped by inverted node (a counting sort: ids are below out.count).
    const start = new Int32Array(out.count + 1);
    for (let n = 0; n < count; n++) {
      const id = entryOf[n] as number;
      if (id >= 0) start[id + 1] = (start[id + 1] as number) + 1;
    }
    for (let id = 0; id < out.count; id++) start[id + 1] = (start[id + 1] as number) + (start[id] as number);
    const fill = start.slice();
    at = new Int32Array(entries);
    weight = new Float64Array(entries);
    for (let n = 0; n < count; n++) {
      const id = entryOf[n] as number;
      if (id < 0) continue;
      const e = fill[id] as number;
      at[e] = n;
      weight[e] = leafSelf[n] ?? 0;
      fill[id] = e + 1;
    }
    for (let id = 1; id < out.count; id++) if ((start[id + 1] as number) > (start[id] as number)) level.push({ id, from: start[id] as number, to: start[id + 1] as number });
  }
  const floor = Math.max(Number.MIN_VALUE, (options.minFraction ?? 0) * (out.value[0] ?? 0));
  while (level.length > 0) {
    const next: { id: number; from: number; to: number }[] = [];
    const childOf = new Int32Array(at.length);
    let size = 0;
    for (const node of level) {
      if ((out.value[node.id] ?? 0) < floor) continue;
      const byName = new Map<number, number>();
      for (let e = node.from; e < node.to; e++) {
        const p = nodes.parent[at[e] as number] as number;
        if (p <= 0 || isGroup(p)) {
          childOf[e] = -1;
          continue;
        }
        const name = nodes.name[p] as number;
        let c = byName.get(name);
        if (c === undefined) byName.set(name, (c = add(node.id, nodes.frame[p] as number)));
        out.value[c] = (out.value[c] ?? 0) + (weight[e] ?? 0);
        childOf[e] = c;
        size++;
      }
      for (const c of byName.values()) next.push({ id: c, from: 0, to: 0 });
    }
    // Group the next level's entries by their node, in the order of `next`.
    const slot = new Map<number, number>();
    next.forEach((nd, i) => slot.set(nd.id, i));
    const counts = new Int32Array(next.length + 1);
    for (const node of level) {
      if ((out.value[node.id] ?? 0) < floor) continue;
      for (let e = node.from; e < node.to; e++) {
        const c = childOf[e] as number;
        if (c >= 0) { const i = (slot.get(c) as number) + 1; counts[i] = (counts[i] as number) + 1; }
      }
    }
    for (let i = 0; i < next.length; i++) counts[i + 1] = (counts[i + 1] as number) + (counts[i] as number);
    next.forEach((nd, i) => {
      nd.from = counts[i] as number;
      nd.to = counts[i] as number;
    });
    const nextAt = new Int32Array(size);
    const nextWeight = new Float64Array(size);
    for (const node of level) {
      if ((out.value[node.id] ?? 0) < floor) continue;
      for (let e = node.from; e < node.to; e++) {
        const c = childOf[e] as number;
        if (c < 0) continue;
        const nd = next[slot.get(c) as number] as { to: number };
        nextAt[nd.to] = nodes.parent[at[e] as number] as number;
        nextWeight[nd.to] = weight[e] ?? 0;
        nd.to++;
      }
    }
    level = next;
    at = nextAt;
    weight = nextWeight;
  }
  const rootName = options.rootName ?? 'all';
  const nameOf = (id: number): string => {
    const f = out.frame[id] as number;
    if (f === -1) return rootName;
    if (f <= -2) return nodes.groups[-2 - f] ?? '';
    return profile.frames[f]?.name ?? '';
  };
  const kindOf = (id: number): FlameNodeKind => {
    const f = out.frame[id] as number;
    return f === -1 ? 'root' : f <= -2 ? 'process' : (profile.frames[f]?.kind ?? 'unknown');
  };
  return freezeTree({ count: out.count, value: Float64Array.from(out.value), self: Float64Array.from(out.self), parent: Int32Array.from(out.parent), nameOf, kindOf }, options);
}
