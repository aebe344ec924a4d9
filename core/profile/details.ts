// What the details pane says about one function: its self and total over the whole profile
// (total once per stack, as in Top functions) and the distinct frames behind the name — one
// name can stand for several modules, files or lines, each with its kind and symbolization.
import { countsPerStack } from './aggregate';
import type { Frame, Profile, SampleRow } from './types';

export interface FunctionDetails {
  readonly name: string;
  readonly self: number;
  readonly total: number;
  readonly totalSamples: number;
  /** Distinct frames named so (at most `maxFrames`), the most sampled first. */
  readonly frames: readonly Frame[];
  /** Frames named so beyond `maxFrames`. */
  readonly moreFrames: number;
}

export function functionDetails(profile: Profile, name: string, options: { maxFrames?: number; filter?: (row: SampleRow) => boolean } = {}): FunctionDetails {
  const match = new Uint8Array(profile.frames.length);
  const weight = new Map<number, number>();
  profile.frames.forEach((f, i) => {
    if (f.name === name) {
      match[i] = 1;
      weight.set(i, 0);
    }
  });
  let self = 0;
  let total = 0;
  let totalSamples = 0;
  countsPerStack(profile, options.filter).forEach((samples, index) => {
    const stack = profile.stacks[index];
    if (samples === 0 || stack === undefined) return;
    totalSamples += samples;
    if (weight.size === 0) return;
    let seen = false;
    for (const f of stack) {
      if (match[f] !== 1) continue;
      if (!seen) total += samples;
      seen = true;
      weight.set(f, (weight.get(f) ?? 0) + samples);
    }
    if (match[stack[0] as number] === 1) self += samples;
  });
  const order = [...weight].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const max = Math.max(1, options.maxFrames ?? 8);
  const frames = order.slice(0, max).map(([i]) => profile.frames[i] as Frame);
  return { name, self, total, totalSamples, frames, moreFrames: Math.max(0, order.length - max) };
}
