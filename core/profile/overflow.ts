// One plain sentence for what a profile's bounds refused (Overflow), so the view and the CLI
// say it the same way: nothing refused is ever dropped silently.
import type { Overflow } from './types';

const count = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** `null` when the profile is complete; otherwise what was merged, cut or shortened. */
export function describeOverflow(o: Overflow): string | null {
  const parts: string[] = [];
  if (o.stacks > 0) parts.push(`${count(o.stacks, 'stack', 'stacks')} merged into [stack limit reached]`);
  if (o.frames > 0) parts.push(`${count(o.frames, 'frame', 'frames')} merged into [frame limit reached]`);
  if (o.samples > 0) parts.push(`${count(o.samples, 'sample', 'samples')} counted there`);
  if (o.truncatedFrames > 0) parts.push(`${count(o.truncatedFrames, 'frame', 'frames')} cut from stacks over the depth limit`);
  if (o.truncatedStrings > 0) parts.push(`${count(o.truncatedStrings, 'name', 'names')} shortened`);
  if (parts.length === 0) return null;
  return `This profile reached the app's size limits: ${parts.join(', ')}.`;
}
