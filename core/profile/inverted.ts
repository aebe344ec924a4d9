// The inverted (bottom-up) call tree: rooted at the sampled functions, each with its callers
// below it. A root child's value is the function's self samples; its children say who called
// it, merged by name. Unlike drawing the call tree upside down, this is a different tree.
import { countsPerStack } from './aggregate';
import type { FlameTree } from './flame';
import { TreeBuilder, type TreeLimits } from './tree-builder';
import type { Profile, SampleRow } from './types';

export interface InvertedTreeOptions extends TreeLimits {
  /** Put a node per process name (comm) under the root, the leaves under it. */
  readonly byProcess?: boolean;
  readonly filter?: (row: SampleRow) => boolean;
  readonly rootName?: string;
}

export function buildInvertedTree(profile: Profile, options: InvertedTreeOptions = {}): FlameTree {
  const builder = new TreeBuilder(profile, options.rootName ?? 'all');
  if (options.byProcess) {
    for (const row of profile.samples) {
      if (options.filter && !options.filter(row)) continue;
      const stack = profile.stacks[row.stack];
      if (stack === undefined || row.count === 0) continue;
      builder.add(stack, 0, stack.length, 1, row.count, 'first', builder.group(row.comm));
    }
  } else {
    countsPerStack(profile, options.filter).forEach((samples, index) => {
      const stack = profile.stacks[index];
      if (samples > 0 && stack !== undefined) builder.add(stack, 0, stack.length, 1, samples, 'first');
    });
  }
  return builder.finish(options);
}
