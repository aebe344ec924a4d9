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

interface Building {
  name: string;
  kind: FlameNodeKind;
  value: number;
  self: number;
  children: Map<number, Building> | undefined;
}

const DEFAULT_MAX_NODES = 50_000;

/** Name id per frame index: frames that differ only in file, line or address share an id. */
export function frameNameIds(profile: Profile): { readonly ids: Int32Array; readonly byName: ReadonlyMap<string, number> } {
  const byName = new Map<string, number>();
  const ids = new Int32Array(profile.frames.length);
  profile.frames.forEach((f, i) => {
    let id = byName.get(f.name);
    if (id === undefined) {
      id = byName.size;
      byName.set(f.name, id);
    }
    ids[i] = id;
  });
  return { ids, byName };
}

export class TreeBuilder {
  private readonly root: Building;
  private readonly nameIds: Int32Array;
  private readonly groups = new Map<string, Building>();
  private count = 1;

  constructor(
    private readonly profile: Profile,
    rootName: string,
    rootKind: FlameNodeKind = 'root',
    nameIds?: Int32Array,
  ) {
    this.root = node(rootName, rootKind);
    this.nameIds = nameIds ?? frameNameIds(profile).ids;
  }

  /** A node under the root for a group (a process); created on first use. */
  group(name: string, kind: FlameNodeKind = 'process'): Building {
    let g = this.groups.get(name);
    if (g === undefined) {
      g = node(name, kind);
      this.root.children ??= new Map();
      // Group nodes get negative keys, apart from the name ids of frames.
      this.root.children.set(-1 - this.groups.size, g);
      this.groups.set(name, g);
      this.count++;
    }
    return g;
  }

  /**
   * Adds `samples` along stack[from], stack[from + step], ... up to but not including stack[to],
   * under `start` (the root by default). `selfAt` says which node the samples are self time of:
   * 'last' (the end of the path), 'first' (the first frame added) or none.
   */
  add(stack: readonly number[], from: number, to: number, step: 1 | -1, samples: number, selfAt: 'last' | 'first' | 'none', start?: Building): void {
    let at = start ?? this.root;
    if (start !== undefined) this.root.value += samples;
    at.value += samples;
    let first: Building | undefined;
    for (let i = from; i !== to; i += step) {
      const frameIndex = stack[i] as number;
      const frame = this.profile.frames[frameIndex];
      if (frame === undefined) continue;
      const nameId = this.nameIds[frameIndex] as number;
      at.children ??= new Map();
      let next = at.children.get(nameId);
      if (next === undefined) {
        next = node(frame.name, frame.kind);
        at.children.set(nameId, next);
        this.count++;
      }
      next.value += samples;
      at = next;
      first ??= next;
    }
    if (selfAt === 'last') at.self += samples;
    else if (selfAt === 'first') (first ?? at).self += samples;
  }

  finish(limits: TreeLimits = {}): FlameTree {
    const root = this.root;
    const maxNodes = Math.max(1, limits.maxNodes ?? DEFAULT_MAX_NODES);
    const threshold = pruneThreshold(root, this.count, limits.minFraction ?? 0, maxNodes);
    let kept = 1;
    let prunedSamples = 0;
    const out = freeze(root);
    // Breadth-first, so that when equal values straddle the node limit the shallow ones win.
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
    return { root: out, nodes: kept, prunedNodes: this.count - kept, prunedSamples };
  }
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

function pruneThreshold(root: Building, count: number, minFraction: number, maxNodes: number): number {
  const threshold = Math.max(Number.MIN_VALUE, minFraction * root.value);
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
  return Math.max(threshold, values[values.length - maxNodes] ?? 0);
}
