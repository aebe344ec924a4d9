// Small profiles for tests (not exported by core's public API).
import { ProfileBuilder } from '../profile/builder';
import { makeFrame, NO_LOST, type CaptureDelta, type Frame, type Profile } from '../profile/types';

/** A delta from root-first name paths ("main;run;hash 5"), each frame a user frame named so. */
export function deltaFromPaths(paths: readonly (readonly [string, number])[], frames: Record<string, Partial<Frame>> = {}): CaptureDelta {
  const ids = new Map<string, number>();
  const newFrames: { id: number; frame: Frame }[] = [];
  const frameId = (name: string): number => {
    let id = ids.get(name);
    if (id === undefined) {
      id = ids.size;
      ids.set(name, id);
      newFrames.push({ id, frame: makeFrame(name, frames[name] ?? {}) });
    }
    return id;
  };
  const newStacks = paths.map(([path], id) => ({ id, frames: path.split(';').reverse().map(frameId) }));
  const counts = paths.map(([, count], stackId) => ({ stackId, comm: 'app', pid: 100, tid: 100, count }));
  return { newFrames, newStacks, counts, stats: { samples: counts.reduce((a, c) => a + c.count, 0), lost: NO_LOST } };
}

export function profileFromPaths(paths: readonly (readonly [string, number])[], frames: Record<string, Partial<Frame>> = {}, hz = 99): Profile {
  const builder = new ProfileBuilder({ hz, startTimeMs: 1_700_000_000_000, endTimeMs: 1_700_000_010_000 });
  builder.apply(deltaFromPaths(paths, frames));
  return builder.snapshot();
}

/** Root-first names of a stack. */
export function pathOf(profile: Profile, stack: number): string {
  return (profile.stacks[stack] ?? []).map((f) => profile.frames[f]?.name ?? '?').reverse().join(';');
}
