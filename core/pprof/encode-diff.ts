// A comparison as one pprof profile, in the form `go tool pprof -normalize -diff_base BASE
// TARGET` builds internally (pprof's internal/driver/fetch.go): the target's samples scaled to
// the base's total, the base's samples negated and labelled `pprof::base=true`, both merged.
// `go tool pprof -top diff.pb.gz` then shows the same flat and cum differences as the
// -diff_base command, and `-tagignore pprof::base=true` shows the (normalized) target alone.
//
// Emberscope's own importer refuses it (negative counts are not a capture).
import { frameKey } from '../profile/builder';
import type { Frame, Profile, SampleRow } from '../profile/types';
import { encodePprof } from './encode';

export const BASE_LABEL = 'pprof::base';

/** Rounds half away from zero, as Go's math.Round (pprof's Scale) does. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

export function encodeDiffPprof(base: Profile, target: Profile): Uint8Array {
  const frames: Frame[] = [];
  const frameIds = new Map<string, number>();
  const remap = (profile: Profile): Int32Array =>
    Int32Array.from(profile.frames, (f) => {
      const key = frameKey(f);
      let id = frameIds.get(key);
      if (id === undefined) {
        id = frames.length;
        frames.push(f);
        frameIds.set(key, id);
      }
      return id;
    });
  const baseFrames = remap(base);
  const targetFrames = remap(target);
  const stacks: number[][] = [];
  const stackIds = new Map<string, number>();
  const samples: SampleRow[] = [];
  const signs: number[] = [];
  const add = (profile: Profile, frameMap: Int32Array, sign: number): void => {
    const local = new Map<number, number>();
    for (const row of profile.samples) {
      if (row.count === 0) continue;
      let stack = local.get(row.stack);
      if (stack === undefined) {
        const mapped = (profile.stacks[row.stack] ?? []).map((f) => frameMap[f] as number);
        const key = mapped.join(',');
        stack = stackIds.get(key);
        if (stack === undefined) {
          stack = stacks.length;
          stacks.push(mapped);
          stackIds.set(key, stack);
        }
        local.set(row.stack, stack);
      }
      samples.push({ ...row, stack });
      signs.push(sign);
    }
  };
  add(target, targetFrames, 1);
  add(base, baseFrames, -1);

  const baseSamples = base.meta.sampleCount;
  const targetSamples = target.meta.sampleCount;
  // pprof scales each sample type by its own ratio; with one period per profile the CPU ratio
  // makes a scaled target sample worth the base's period, so the base's period is the merged one.
  const scale = targetSamples > 0 ? baseSamples / targetSamples : 0;
  const periodNs = base.meta.periodNs;
  const merged: Profile = {
    meta: {
      ...base.meta,
      sampleCount: 0,
      comments: [
        `emberscope compare: base ${baseSamples} samples, target ${targetSamples} samples scaled x${scale.toPrecision(6)} (as go tool pprof -normalize -diff_base); base samples negated and labelled ${BASE_LABEL}=true`,
      ],
    },
    frames,
    stacks,
    samples,
  };
  return encodePprof(merged, {
    count: (i) => {
      const row = samples[i] as SampleRow;
      return signs[i] === 1 ? goRound(row.count * scale) : -row.count;
    },
    nanoseconds: (i) => {
      const row = samples[i] as SampleRow;
      return signs[i] === 1 ? goRound(row.count * scale * periodNs) : -row.count * periodNs;
    },
    label: (i) => (signs[i] === 1 ? null : [BASE_LABEL, 'true']),
  });
}
