// The live view of a capture in progress: the app sends the renderer a snapshot every second or
// so, and a hostile or just very busy host can make the profile huge (hundreds of thousands of
// distinct stacks). The snapshot keeps the heaviest rows and merges the rest into one visible
// row, so its size is bounded and its totals stay exact; the whole profile is shown once the
// capture is saved.
import { makeFrame, type Frame, type Profile, type SampleRow } from './types';

export const LIVE_OTHER_COMM = '[other]';

/** The frame that stands for the rows left out of a live snapshot. */
export function liveOtherFrame(rows: number): Frame {
  return makeFrame(`[${rows.toLocaleString('en-US')} smaller stacks: shown when the capture is saved]`, { kind: 'unknown', status: 'unreadable' });
}

/** `profile` itself when it has at most `maxRows` sample rows; otherwise a bounded copy. */
export function liveSnapshot(profile: Profile, maxRows: number): Profile {
  if (profile.samples.length <= maxRows) return profile;
  const keep = Math.max(0, maxRows - 1);
  const order = profile.samples.map((_, i) => i);
  order.sort((a, b) => (profile.samples[b]?.count ?? 0) - (profile.samples[a]?.count ?? 0) || a - b);

  const frames: Frame[] = [];
  const stacks: number[][] = [];
  const frameMap = new Map<number, number>();
  const stackMap = new Map<number, number>();
  const frameOf = (old: number): number => {
    let id = frameMap.get(old);
    if (id === undefined) {
      id = frames.push(profile.frames[old] ?? liveOtherFrame(0)) - 1;
      frameMap.set(old, id);
    }
    return id;
  };
  const samples: SampleRow[] = [];
  for (const i of order.slice(0, keep)) {
    const row = profile.samples[i];
    if (!row) continue;
    let stack = stackMap.get(row.stack);
    if (stack === undefined) {
      stack = stacks.push((profile.stacks[row.stack] ?? []).map(frameOf)) - 1;
      stackMap.set(row.stack, stack);
    }
    samples.push({ ...row, stack });
  }
  // The rest is merged per time bucket, so the timeline strip still counts every sample.
  const rest = new Map<number | undefined, number>();
  for (const i of order.slice(keep)) {
    const row = profile.samples[i];
    if (row) rest.set(row.bucket, (rest.get(row.bucket) ?? 0) + row.count);
  }
  const otherStack = stacks.push([frames.push(liveOtherFrame(order.length - keep)) - 1]) - 1;
  if (rest.size === 0) rest.set(undefined, 0);
  for (const [bucket, count] of rest) samples.push({ stack: otherStack, comm: LIVE_OTHER_COMM, pid: 0, tid: 0, count, ...(bucket !== undefined ? { bucket } : {}) });
  return { meta: profile.meta, frames, stacks, samples };
}
