// Profile metadata that pprof has no field for (lost samples, overflow, the sampler's own
// sample counter) travels in one comment, so a saved capture reopens with its statistics.
import type { ProfileMeta, Timeline } from '../profile/types';
import { MAX_TIME_BUCKETS } from '../profile/builder';
import { NO_LOST, NO_OVERFLOW, type LostSamples, type Overflow } from '../profile/types';

export const META_PREFIX = 'emberscope:meta:v1:';

export interface CarriedMeta {
  readonly hz: number;
  readonly reportedSamples: number;
  readonly lost: LostSamples;
  readonly overflow: Overflow;
  readonly timeline?: Timeline;
}

export function encodeMetaComment(meta: ProfileMeta): string {
  const carried: CarriedMeta = { hz: meta.hz, reportedSamples: meta.reportedSamples, lost: meta.lost, overflow: meta.overflow, ...(meta.timeline ? { timeline: meta.timeline } : {}) };
  return META_PREFIX + JSON.stringify(carried);
}

/** Reads the comment leniently: anything malformed is ignored field by field (the comment is untrusted). */
export function decodeMetaComment(comment: string): CarriedMeta | undefined {
  if (!comment.startsWith(META_PREFIX) || comment.length > 4096) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(comment.slice(META_PREFIX.length));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const o = parsed as Record<string, unknown>;
  const count = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);
  const record = <T extends object>(v: unknown, template: T): T => {
    const src = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
    return Object.fromEntries(Object.keys(template).map((k) => [k, count(src[k])])) as T;
  };
  const hz = typeof o['hz'] === 'number' && Number.isFinite(o['hz']) && o['hz'] > 0 && o['hz'] <= 1e9 ? o['hz'] : 0;
  const timeline = timelineOf(o['timeline']);
  return { hz, reportedSamples: count(o['reportedSamples']), lost: record(o['lost'], NO_LOST), overflow: record(o['overflow'], NO_OVERFLOW), ...(timeline ? { timeline } : {}) };
}

function timelineOf(v: unknown): Timeline | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { startMs, bucketMs, buckets } = v as Record<string, unknown>;
  const ok =
    typeof startMs === 'number' && Number.isSafeInteger(startMs) && startMs >= 0 &&
    typeof bucketMs === 'number' && Number.isSafeInteger(bucketMs) && bucketMs > 0 &&
    typeof buckets === 'number' && Number.isSafeInteger(buckets) && buckets >= 0 && buckets <= MAX_TIME_BUCKETS;
  return ok ? { startMs, bucketMs, buckets } : undefined;
}
