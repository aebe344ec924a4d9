// Bounds of the profile model. A hostile host may send millions of frames or stacks; what
// goes over a bound is counted in ProfileMeta.overflow and reported, memory stays bounded.

export interface ProfileLimits {
  readonly maxFrames: number;
  readonly maxStacks: number;
  /** Frames kept per stack; deeper stacks keep their leaf-most frames. */
  readonly maxStackDepth: number;
  /** Distinct (stack, comm, pid, tid) rows. */
  readonly maxSampleRows: number;
  /** Characters kept of a name, path or process name. */
  readonly maxStringLength: number;
  /** Largest count accepted in one delta row (a sampler cannot take more in one interval). */
  readonly maxCount: number;
  /**
   * Characters of all stored strings together (frame names, modules, files, build ids,
   * addresses, process names of rows). The other bounds count items; this one bounds their
   * bytes: 1M frames with 4096-character names would otherwise hold gigabytes. Over it, new
   * frames are refused (counted in overflow.frames) and new rows go to the overflow row.
   */
  readonly maxStringChars: number;
}

export const DEFAULT_LIMITS: ProfileLimits = Object.freeze({
  maxFrames: 1_000_000,
  maxStacks: 500_000,
  maxStackDepth: 1024,
  maxSampleRows: 2_000_000,
  maxStringLength: 4096,
  maxCount: 2 ** 40,
  maxStringChars: 128 * 2 ** 20,
});

export function resolveLimits(partial: Partial<ProfileLimits> = {}): ProfileLimits {
  return { ...DEFAULT_LIMITS, ...partial };
}
