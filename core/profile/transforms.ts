// Transforms of a profile (the Firefox Profiler's most used ones), as pure Profile → Profile
// functions applied in order: the view applies them after redaction (names as shown), an
// export applies them only when the user asks. Frames are kept as they are; stacks are
// rewritten and re-interned, and rows that become equal are merged. Samples a transform drops
// (a focus keeps only the stacks through its function) are counted, never lost silently.
import { EmberError } from '../errors';
import type { Profile, SampleRow } from './types';

export type ProfileTransform =
  /** Every call of the function becomes a root; stacks without it are dropped. */
  | { readonly type: 'focus-function'; readonly name: string }
  /** One node of the call tree (names from the root, in one process when `comm` is set) becomes the root. */
  | { readonly type: 'focus-subtree'; readonly path: readonly string[]; readonly comm?: string }
  /** The function disappears; its self time goes to its callers and its callees hang under them. */
  | { readonly type: 'merge-function'; readonly name: string }
  /** A call of the function inside itself (directly or through other functions) is folded into the outer call. */
  | { readonly type: 'collapse-recursion'; readonly name: string }
  /** Only these processes (pids). */
  | { readonly type: 'only-processes'; readonly pids: readonly number[] }
  /** Only these threads (tids). */
  | { readonly type: 'only-threads'; readonly tids: readonly number[] };

export const MAX_TRANSFORMS = 32;

export interface TransformResult {
  readonly profile: Profile;
  /** Samples the transforms left out (focus, process and thread filters). */
  readonly droppedSamples: number;
}

/** One short line per transform, for the breadcrumb and the export notice. */
export function describeTransform(t: ProfileTransform): string {
  switch (t.type) {
    case 'focus-function':
      return `Focus on ${t.name}`;
    case 'focus-subtree':
      return `Focus on subtree ${t.path[t.path.length - 1] ?? t.comm ?? ''}`;
    case 'merge-function':
      return `Merge ${t.name}`;
    case 'collapse-recursion':
      return `Collapse recursion of ${t.name}`;
    case 'only-processes':
      return t.pids.length === 1 ? `Only process ${t.pids[0]}` : `Only ${t.pids.length} processes`;
    case 'only-threads':
      return t.tids.length === 1 ? `Only thread ${t.tids[0]}` : `Only ${t.tids.length} threads`;
  }
}

type StackRewrite = (stack: readonly number[]) => readonly number[] | null;

export function applyTransforms(profile: Profile, transforms: readonly ProfileTransform[]): TransformResult {
  if (transforms.length === 0) return { profile, droppedSamples: 0 };
  if (transforms.length > MAX_TRANSFORMS) throw new EmberError('BAD_OPTIONS', `at most ${MAX_TRANSFORMS} transforms can be applied at once`);
  const matches = (name: string): Uint8Array => {
    const m = new Uint8Array(profile.frames.length);
    profile.frames.forEach((f, i) => {
      if (f.name === name) m[i] = 1;
    });
    return m;
  };
  // Row filters first (they do not depend on the stack), then the stack rewrites in order.
  const rowFilters: ((row: SampleRow) => boolean)[] = [];
  const rewrites: { rewrite: StackRewrite; comm?: string }[] = [];
  for (const t of transforms) {
    switch (t.type) {
      case 'only-processes': {
        const keep = new Set(t.pids);
        rowFilters.push((r) => keep.has(r.pid));
        break;
      }
      case 'only-threads': {
        const keep = new Set(t.tids);
        rowFilters.push((r) => keep.has(r.tid));
        break;
      }
      case 'focus-function':
        rewrites.push({ rewrite: focusFunction(matches(t.name)) });
        break;
      case 'focus-subtree':
        rewrites.push({ rewrite: focusSubtree(profile, t.path), ...(t.comm !== undefined ? { comm: t.comm } : {}) });
        break;
      case 'merge-function':
        rewrites.push({ rewrite: mergeFunction(matches(t.name)) });
        break;
      case 'collapse-recursion':
        rewrites.push({ rewrite: collapseRecursion(matches(t.name)) });
        break;
      default:
        throw new EmberError('BAD_OPTIONS', 'unknown transform');
    }
  }

  // A subtree focus in one process drops the other processes' rows for that rewrite only.
  const rowScoped = rewrites.some((r) => r.comm !== undefined);
  const stackCache = new Map<number, readonly number[] | null>();
  const rewriteStack = (index: number): readonly number[] | null => {
    let out = stackCache.get(index);
    if (out === undefined) {
      let s: readonly number[] | null = profile.stacks[index] ?? null;
      for (const r of rewrites) {
        if (s === null) break;
        s = r.rewrite(s);
      }
      out = s;
      stackCache.set(index, out);
    }
    return out;
  };

  const stacks: (readonly number[])[] = [];
  const stackIds = new Map<string, number>();
  const rows = new Map<string, SampleRow>();
  let dropped = 0;
  let kept = 0;
  for (const row of profile.samples) {
    if (!rowFilters.every((f) => f(row)) || (rowScoped && rewrites.some((r) => r.comm !== undefined && r.comm !== row.comm))) {
      dropped += row.count;
      continue;
    }
    const stack = rewriteStack(row.stack);
    if (stack === null) {
      dropped += row.count;
      continue;
    }
    const key = stack.join(',');
    let id = stackIds.get(key);
    if (id === undefined) {
      id = stacks.push(stack) - 1;
      stackIds.set(key, id);
    }
    kept += row.count;
    const rowKey = `${id}\u0000${row.pid}\u0000${row.tid}\u0000${row.comm}`;
    const prev = rows.get(rowKey);
    rows.set(rowKey, prev ? { ...prev, count: prev.count + row.count } : { ...row, stack: id });
  }
  return {
    profile: { meta: { ...profile.meta, sampleCount: kept }, frames: profile.frames, stacks, samples: [...rows.values()] },
    droppedSamples: dropped,
  };
}

/** Keep the part of the stack from the outermost call of the function in to the leaf. */
function focusFunction(match: Uint8Array): StackRewrite {
  return (stack) => {
    for (let i = stack.length - 1; i >= 0; i--) if (match[stack[i] as number] === 1) return stack.slice(0, i + 1);
    return null;
  };
}

/** Stacks whose root-first names start with `path`; the path's last frame becomes the root. */
function focusSubtree(profile: Profile, path: readonly string[]): StackRewrite {
  return (stack) => {
    if (stack.length < path.length) return null;
    for (let k = 0; k < path.length; k++) {
      if (profile.frames[stack[stack.length - 1 - k] as number]?.name !== path[k]) return null;
    }
    return path.length === 0 ? stack : stack.slice(0, stack.length - path.length + 1);
  };
}

function mergeFunction(match: Uint8Array): StackRewrite {
  return (stack) => {
    if (!stack.some((f) => match[f] === 1)) return stack;
    return stack.filter((f) => match[f] !== 1);
  };
}

/** Root-first: after an outer call, everything up to and including the innermost inner call goes. */
function collapseRecursion(match: Uint8Array): StackRewrite {
  return (stack) => {
    let outer = -1;
    let inner = -1;
    for (let i = stack.length - 1; i >= 0; i--) {
      if (match[stack[i] as number] !== 1) continue;
      if (outer < 0) outer = i;
      else inner = i;
    }
    if (inner < 0) return stack;
    // Leaf-first: keep [0, inner) (below the innermost call), the outer call, and what is above it.
    return [...stack.slice(0, inner), ...stack.slice(outer)];
  };
}
