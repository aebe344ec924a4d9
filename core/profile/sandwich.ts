// The sandwich of one function (speedscope's name; the Firefox Profiler's caller/callee view):
// every call of the function merged into one, its callers above (a tree rooted at the function,
// parents as children) and its callees below (a tree rooted at the function). Recursion: each
// stack counts once, from its outermost call of the function, so the root of both trees is the
// function's total, as in Top functions; inner recursive calls show as the function again
// among its own callees (the "collapse recursion" transform folds them).
import { countsPerStack } from './aggregate';
import type { FlameTree } from './flame';
import { TreeBuilder, frameNameIds, type TreeLimits } from './tree-builder';
import type { FrameKind, Profile, SampleRow } from './types';

export interface Sandwich {
  readonly name: string;
  /** Kind of the function's first frame; 'unknown' when the function is not in the profile. */
  readonly kind: FrameKind;
  /** Samples where the function is the sampled (leaf) frame. */
  readonly self: number;
  /** Samples with the function anywhere on the stack, once per stack. */
  readonly total: number;
  /** All samples the filter kept. */
  readonly totalSamples: number;
  /** Root: the function; children: its callers, then theirs. */
  readonly callers: FlameTree;
  /** Root: the function; children: what it calls. */
  readonly callees: FlameTree;
}

export interface SandwichOptions extends TreeLimits {
  readonly filter?: (row: SampleRow) => boolean;
}

export function buildSandwich(profile: Profile, name: string, options: SandwichOptions = {}): Sandwich {
  const names = frameNameIds(profile);
  const { ids, byName } = names;
  const target = byName.get(name);
  const frame = profile.frames.find((f) => f.name === name);
  const kind = frame?.kind ?? 'unknown';
  const callers = new TreeBuilder(profile, name, kind, names);
  const callees = new TreeBuilder(profile, name, kind, names);
  let self = 0;
  let total = 0;
  let totalSamples = 0;
  countsPerStack(profile, options.filter).forEach((samples, index) => {
    const stack = profile.stacks[index];
    if (samples === 0 || stack === undefined) return;
    totalSamples += samples;
    if (target === undefined) return;
    let outer = -1;
    for (let i = stack.length - 1; i >= 0; i--) {
      if (ids[stack[i] as number] === target) {
        outer = i;
        break;
      }
    }
    if (outer < 0) return;
    total += samples;
    if (ids[stack[0] as number] === target) self += samples;
    // Callers: from the function's parent out to the root frame (self time means nothing there).
    callers.add(stack, outer + 1, stack.length, 1, samples, 'none');
    // Callees: from the function's first callee in to the leaf.
    callees.add(stack, outer - 1, -1, -1, samples, 'last');
  });
  return { name, kind, self, total, totalSamples, callers: callers.finish(options), callees: callees.finish(options) };
}
