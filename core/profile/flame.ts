// The flame tree: stacks merged by the path of function names from the root, in the shape
// d3-flame-graph draws ({name, value, children}). `value` is inclusive. Small nodes are
// pruned so that a 200k-node profile stays drawable; what was pruned is reported.
import { countsPerStack } from './aggregate';
import type { FrameKind, Profile, SampleRow } from './types';

export type FlameNodeKind = FrameKind | 'root' | 'process';

export interface FlameNode {
  readonly name: string;
  /** Samples in this node and below. */
  readonly value: number;
  /** Samples whose leaf is this node. */
  readonly self: number;
  readonly kind: FlameNodeKind;
  readonly children: FlameNode[];
}

export interface FlameTreeOptions {
  /** Drop nodes below this fraction of all samples (default 0: keep everything the node limit allows). */
  readonly minFraction?: number;
  /** Keep at most this many nodes, the largest ones (default 50,000). */
  readonly maxNodes?: number;
  /** Put a node per process name (comm) under the root. */
  readonly byProcess?: boolean;
  /** Only rows the filter accepts (a pid, a process name...). */
  readonly filter?: (row: SampleRow) => boolean;
  /** Name of the root node (default "all"). */
  readonly rootName?: string;
}

export interface FlameTree {
  readonly root: FlameNode;
  /** Nodes in the returned tree, root included. */
  readonly nodes: number;
  /** Nodes of the full tree that were pruned. */
  readonly prunedNodes: number;
  /** Samples under pruned nodes (they still count in their parents' values). */
  readonly prunedSamples: number;
}

interface Building {
  name: string;
  kind: FlameNodeKind;
  value: number;
  self: number;
  /** Keyed by the interned name id (integer keys hash faster than strings). */
  children: Map<number, Building> | undefined;
}

const DEFAULT_MAX_NODES = 50_000;

export function buildFlameTree(profile: Profile, options: FlameTreeOptions = {}): FlameTree {
  const root = node(options.rootName ?? 'all', 'root');
  let count = 1;
  // Frames that differ only in file, line or address merge: the tree is by name.
  const nameIds = new Map<string, number>();
  const frameNameId = profile.frames.map((f) => {
    let id = nameIds.get(f.name);
    if (id === undefined) {
      id = nameIds.size;
      nameIds.set(f.name, id);
    }
    return id;
  });
  const addPath = (start: Building, stack: readonly number[], samples: number): void => {
    let at = start;
    at.value += samples;
    for (let i = stack.length - 1; i >= 0; i--) {
      const frameIndex = stack[i] as number;
      const frame = profile.frames[frameIndex];
      if (frame === undefined) continue;
      const nameId = frameNameId[frameIndex] as number;
      at.children ??= new Map();
      let next = at.children.get(nameId);
      if (next === undefined) {
        next = node(frame.name, frame.kind);
        at.children.set(nameId, next);
        count++;
      }
      next.value += samples;
      at = next;
    }
    at.self += samples;
  };

  if (options.byProcess) {
    const perProcess = new Map<string, Building>();
    for (const row of profile.samples) {
      if (options.filter && !options.filter(row)) continue;
      const stack = profile.stacks[row.stack];
      if (stack === undefined || row.count === 0) continue;
      let proc = perProcess.get(row.comm);
      if (proc === undefined) {
        proc = node(row.comm, 'process');
        root.children ??= new Map();
        // Process nodes get negative keys, apart from the name ids of frames.
        root.children.set(-1 - perProcess.size, proc);
        perProcess.set(row.comm, proc);
        count++;
      }
      root.value += row.count;
      addPath(proc, stack, row.count);
    }
  } else {
    const counts = countsPerStack(profile, options.filter);
    counts.forEach((samples, index) => {
      const stack = profile.stacks[index];
      if (samples > 0 && stack !== undefined) addPath(root, stack, samples);
    });
  }

  const threshold = pruneThreshold(root, count, options);
  let kept = 0;
  let prunedSamples = 0;
  const maxNodes = Math.max(1, options.maxNodes ?? DEFAULT_MAX_NODES);
  // Breadth-first, so that when equal values straddle the node limit the shallow ones win.
  const out = freeze(root);
  kept = 1;
  const queue: [Building, FlameNode][] = [[root, out]];
  for (let q = 0; q < queue.length; q++) {
    const [from, to] = queue[q] as [Building, FlameNode];
    if (from.children === undefined) continue;
    const children = [...from.children.values()].sort(byName);
    for (const child of children) {
      if (child.value >= threshold && kept < maxNodes) {
        const frozen = freeze(child);
        to.children.push(frozen);
        queue.push([child, frozen]);
        kept++;
      } else {
        prunedSamples += child.value;
      }
    }
  }
  return { root: out, nodes: kept, prunedNodes: count - kept, prunedSamples };
}

function node(name: string, kind: FlameNodeKind): Building {
  return { name, kind, value: 0, self: 0, children: undefined };
}

function freeze(b: Building): FlameNode {
  return { name: b.name, value: b.value, self: b.self, kind: b.kind, children: [] };
}

function byName(a: Building, b: Building): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Smallest value kept: from minFraction, raised so that about maxNodes nodes remain. */
function pruneThreshold(root: Building, count: number, options: FlameTreeOptions): number {
  const total = root.value;
  let threshold = Math.max(Number.MIN_VALUE, (options.minFraction ?? 0) * total);
  const maxNodes = Math.max(1, options.maxNodes ?? DEFAULT_MAX_NODES);
  if (count <= maxNodes) return threshold;
  // A child's value never exceeds its parent's, so "value >= t" keeps a connected tree.
  const values = new Float64Array(count);
  let n = 0;
  const stack: Building[] = [root];
  while (stack.length > 0) {
    const b = stack.pop() as Building;
    values[n++] = b.value;
    if (b.children) for (const c of b.children.values()) stack.push(c);
  }
  values.sort();
  const kth = values[values.length - maxNodes] ?? 0;
  threshold = Math.max(threshold, kth);
  return threshold;
}
