// The flame tree: stacks merged by the path of function names from the root, in the shape
// d3-flame-graph draws ({name, value, children}). `value` is inclusive. Small nodes are
// pruned so that a 200k-node profile stays drawable; what was pruned is reported.
import { countsPerStack } from './aggregate';
import { TreeBuilder } from './tree-builder';
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

export function buildFlameTree(profile: Profile, options: FlameTreeOptions = {}): FlameTree {
  // Frames that differ only in file, line or address merge: the tree is by name.
  const builder = new TreeBuilder(profile, options.rootName ?? 'all');
  if (options.byProcess) {
    for (const row of profile.samples) {
      if (options.filter && !options.filter(row)) continue;
      const stack = profile.stacks[row.stack];
      if (stack === undefined || row.count === 0) continue;
      builder.add(stack, stack.length - 1, -1, -1, row.count, 'last', builder.group(row.comm));
    }
  } else {
    countsPerStack(profile, options.filter).forEach((samples, index) => {
      const stack = profile.stacks[index];
      if (samples > 0 && stack !== undefined) builder.add(stack, stack.length - 1, -1, -1, samples, 'last');
    });
  }
  return builder.finish(options);
}
