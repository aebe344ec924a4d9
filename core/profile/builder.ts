// ProfileBuilder: merges capture deltas into one Profile, interning frames and stacks and
// enforcing the bounds of ProfileLimits. A delta is checked whole before any of it is
// applied, so a bad delta leaves the builder as it was.
import { bad, checkCount, checkFrame, checkId, checkLost, checkString, checkU32, isIndex, isU32 } from './validate';
import { SequenceInterner } from './intern';
import { resolveLimits, type ProfileLimits } from './limits';
import {
  NO_LOST,
  NO_OVERFLOW,
  makeFrame,
  type CaptureDelta,
  type Frame,
  type LostSamples,
  type Overflow,
  type Profile,
  type ProfileMeta,
  type SampleRow,
  type Timeline,
} from './types';

export const OVERFLOW_FRAME: Frame = Object.freeze(makeFrame('[frame limit reached]', { kind: 'unknown', status: 'unreadable' }));
export const OVERFLOW_STACK_FRAME: Frame = Object.freeze(makeFrame('[stack limit reached]', { kind: 'unknown', status: 'unreadable' }));
/** Process name of the row that collects samples once the row limit is reached. */
export const OVERFLOW_COMM = '[row limit reached]';

export interface ProfileStart {
  readonly hz?: number;
  readonly startTimeMs?: number;
  readonly endTimeMs?: number;
  readonly comments?: readonly string[];
  readonly lost?: LostSamples;
  readonly overflow?: Overflow;
  readonly reportedSamples?: number;
  /** Keep samples by time: bucket 0 starts at startMs, one bucket per bucketMs (a live capture: its interval). */
  readonly timeline?: { readonly startMs: number; readonly bucketMs: number; readonly buckets?: number };
}

/** Most time buckets a profile keeps: past it, buckets double in width (and rows merge). */
export const MAX_TIME_BUCKETS = 512;

interface MutableRow {
  stack: number;
  comm: string;
  pid: number;
  tid: number;
  count: number;
  bucket: number | undefined;
}

interface StackRows {
  readonly list: MutableRow[];
  byKey: Map<string, MutableRow> | undefined;
}

const SCAN_LIMIT = 16;
const rowKey = (comm: string, pid: number, tid: number, bucket: number | undefined): string => `${pid}\u0000${tid}\u0000${bucket ?? ''}\u0000${comm}`;

function findRow(rows: StackRows, comm: string, pid: number, tid: number, bucket: number | undefined): MutableRow | undefined {
  if (rows.byKey !== undefined) return rows.byKey.get(rowKey(comm, pid, tid, bucket));
  return rows.list.find((r) => r.pid === pid && r.tid === tid && r.bucket === bucket && r.comm === comm);
}

interface TimelineState {
  readonly startMs: number;
  /** The width of one delta's interval: a delta's timeMs is its end, its middle names its bucket. */
  readonly intervalMs: number;
  bucketMs: number;
  buckets: number;
}

type MutableOverflow = { -readonly [K in keyof Overflow]: Overflow[K] };
type MutableLost = { -readonly [K in keyof LostSamples]: LostSamples[K] };

export function frameKey(f: Frame): string {
  return `${f.kind}\u0000${f.status}\u0000${f.name}\u0000${f.module}\u0000${f.buildId}\u0000${f.file}\u0000${f.line}\u0000${f.address}`;
}

export class ProfileBuilder {
  readonly limits: ProfileLimits;
  private readonly frames: Frame[] = [];
  private readonly frameIndex = new Map<string, number>();
  private readonly stacks: (readonly number[])[] = [];
  private readonly stackIndex = new SequenceInterner<number>();
  private rows: MutableRow[] = [];
  /**
   * Rows of each stack index. Most stacks are sampled in a few threads, where a short scan
   * beats building string keys; past SCAN_LIMIT rows a stack gets a keyed index.
   */
  private rowsByStack: (StackRows | undefined)[] = [];
  private readonly timeline: TimelineState | undefined;
  private readonly senderFrames = new Map<number, number>();
  private readonly senderStacks = new Map<number, number>();
  private readonly overflow: MutableOverflow;
  private readonly lost: MutableLost;
  private readonly hz: number;
  private readonly startTimeMs: number;
  private endTimeMs: number;
  private readonly comments: readonly string[];
  private sampleCount = 0;
  private reportedSamples: number;
  /** Characters held by stored frames and rows (bounded by limits.maxStringChars). */
  private stringChars = 0;

  constructor(start: ProfileStart = {}, limits: Partial<ProfileLimits> = {}) {
    this.limits = resolveLimits(limits);
    const hz = start.hz ?? 0;
    if (!Number.isFinite(hz) || hz < 0 || hz > 1e9) bad(`hz must be from 0 to 1e9, got ${hz}`);
    this.hz = hz;
    this.startTimeMs = start.startTimeMs ?? 0;
    this.endTimeMs = start.endTimeMs ?? this.startTimeMs;
    this.comments = [...(start.comments ?? [])];
    this.lost = { ...(start.lost ?? NO_LOST) };
    this.overflow = { ...(start.overflow ?? NO_OVERFLOW) };
    this.reportedSamples = start.reportedSamples ?? 0;
    const t = start.timeline;
    if (t !== undefined) {
      if (!Number.isFinite(t.startMs) || !Number.isFinite(t.bucketMs) || t.bucketMs <= 0) bad('the timeline needs a finite start and a positive bucket width');
      const buckets = t.buckets ?? 0;
      if (!isIndex(buckets) || buckets > MAX_TIME_BUCKETS) bad(`the timeline must have from 0 to ${MAX_TIME_BUCKETS} buckets, got ${buckets}`);
      this.timeline = { startMs: t.startMs, intervalMs: t.bucketMs, bucketMs: t.bucketMs, buckets };
    }
  }

  /** Checks the whole delta, then merges it. Throws EmberError('BAD_INPUT') and changes nothing on bad input. */
  apply(delta: CaptureDelta): void {
    const steps = this.applyInSteps(delta, Infinity);
    while (steps.next().done !== true);
  }

  /**
   * `apply` that pauses (yields) after every `stepItems` merged items, so that a caller on a
   * UI thread can let other work run in between. The delta is checked whole before anything
   * is merged: a bad delta still changes nothing. Between two pauses the builder holds part
   * of the delta; its statistics are added with the last step.
   */
  *applyInSteps(delta: CaptureDelta, stepItems = 4000): Generator<void, void> {
    const checked = this.check(delta);
    const deltaBucket = this.bucketOf(delta);
    let merged = 0;
    for (const { id, frame } of checked.frames) {
      this.defineFrame(id, frame);
      if (++merged % stepItems === 0) yield;
    }
    for (const stack of delta.newStacks) {
      this.defineStack(stack.id, stack.frames);
      if (++merged % stepItems === 0) yield;
    }
    for (const c of delta.counts) {
      if (c.count !== 0) this.addCount(this.stackFor(c.stackId), checked.clip(c.comm), c.pid, c.tid, c.count, c.bucket ?? deltaBucket);
      if (++merged % stepItems === 0) yield;
    }
    this.reportedSamples += delta.stats.samples;
    this.lost.mapFull += delta.stats.lost.mapFull;
    this.lost.userStackErrors += delta.stats.lost.userStackErrors;
    this.lost.kernelStackErrors += delta.stats.lost.kernelStackErrors;
    this.lost.other += delta.stats.lost.other;
    if (delta.timeMs !== undefined && delta.timeMs > this.endTimeMs) this.endTimeMs = delta.timeMs;
    this.overflow.truncatedStrings += checked.truncatedStrings();
  }

  /**
   * The bucket of a live delta's counts: the middle of its interval. Widens the buckets first
   * when the delta falls past the last one a profile keeps.
   */
  private bucketOf(delta: CaptureDelta): number | undefined {
    const t = this.timeline;
    if (t === undefined) return undefined;
    if (delta.timeMs === undefined) return Math.max(0, t.buckets - 1);
    const at = delta.timeMs - t.intervalMs / 2 - t.startMs;
    if (Math.floor(at / t.bucketMs) >= MAX_TIME_BUCKETS) this.widenBuckets(at);
    const bucket = Math.max(0, Math.floor(at / t.bucketMs));
    t.buckets = Math.max(t.buckets, bucket + 1);
    return bucket;
  }

  /** Doubles the bucket width until `at` (ms after the start) fits, merging the rows that meet. */
  private widenBuckets(at: number): void {
    const t = this.timeline as TimelineState;
    let factor = 1;
    while (Math.floor(at / (t.bucketMs * factor)) >= MAX_TIME_BUCKETS) factor *= 2;
    t.bucketMs *= factor;
    t.buckets = Math.ceil(t.buckets / factor);
    const old = this.rows;
    this.rows = [];
    this.rowsByStack = [];
    for (const row of old) {
      const bucket = row.bucket === undefined ? undefined : Math.floor(row.bucket / factor);
      let rows = this.rowsByStack[row.stack];
      if (rows === undefined) {
        rows = { list: [], byKey: undefined };
        this.rowsByStack[row.stack] = rows;
      }
      const same = findRow(rows, row.comm, row.pid, row.tid, bucket);
      if (same !== undefined) same.count += row.count;
      else this.pushRow(rows, { ...row, bucket });
    }
  }

  /** Marks the end of the capture (ms since the epoch). */
  setEndTime(timeMs: number): void {
    this.endTimeMs = timeMs;
  }

  get stackCount(): number {
    return this.stacks.length;
  }

  get frameCount(): number {
    return this.frames.length;
  }

  /** An immutable copy of the profile so far; the builder can keep merging afterwards. */
  snapshot(): Profile {
    const periodNs = this.hz > 0 ? Math.round(1e9 / this.hz) : 0;
    const meta: ProfileMeta = {
      hz: this.hz,
      periodNs,
      startTimeMs: this.startTimeMs,
      endTimeMs: this.endTimeMs,
      sampleCount: this.sampleCount,
      reportedSamples: this.reportedSamples,
      lost: { ...this.lost },
      overflow: { ...this.overflow },
      comments: this.comments,
      ...(this.timeline ? { timeline: this.timelineNow(this.timeline) } : {}),
    };
    const samples: SampleRow[] = this.rows.map((r) =>
      r.bucket === undefined ? { stack: r.stack, comm: r.comm, pid: r.pid, tid: r.tid, count: r.count } : { stack: r.stack, comm: r.comm, pid: r.pid, tid: r.tid, count: r.count, bucket: r.bucket },
    );
    return { meta, frames: this.frames.slice(), stacks: this.stacks.slice(), samples };
  }

  private timelineNow(t: TimelineState): Timeline {
    return { startMs: t.startMs, bucketMs: t.bucketMs, buckets: t.buckets };
  }

  private check(delta: CaptureDelta) {
    if (typeof delta !== 'object' || delta === null) bad('the delta must be an object');
    const { newFrames, newStacks, counts, stats } = delta;
    if (!Array.isArray(newFrames) || !Array.isArray(newStacks) || !Array.isArray(counts)) {
      bad('the delta must have newFrames, newStacks and counts arrays');
    }
    let truncated = 0;
    const maxString = this.limits.maxStringLength;
    const onTruncate = (): void => {
      truncated++;
    };
    const clip = (text: string): string => {
      if (text.length <= maxString) return text;
      onTruncate();
      return `${text.slice(0, maxString - 1)}…`;
    };
    const frameIds = new Set<number>();
    const frames = newFrames.map((entry, i) => {
      const id = checkId(entry?.id, `newFrames[${i}].id`);
      if (this.senderFrames.has(id) || frameIds.has(id)) bad(`frame id ${id} is defined twice (newFrames[${i}])`);
      frameIds.add(id);
      return { id, frame: checkFrame(entry.frame, `newFrames[${i}].frame`, maxString, onTruncate) };
    });
    const knownFrame = (id: number): boolean => this.senderFrames.has(id) || frameIds.has(id) || this.overflow.frames > 0;
    const stackIds = new Set<number>();
    newStacks.forEach((stack, i) => {
      const id = checkId(stack?.id, `newStacks[${i}].id`);
      if (this.senderStacks.has(id) || stackIds.has(id)) bad(`stack id ${id} is defined twice (newStacks[${i}])`);
      stackIds.add(id);
      if (!Array.isArray(stack.frames)) bad(`newStacks[${i}].frames must be an array`);
      const senderFrames: readonly unknown[] = stack.frames;
      for (let j = 0; j < senderFrames.length; j++) {
        const value = senderFrames[j];
        // Fast path first; the error message is only built for a bad value.
        const frameId = isIndex(value) ? value : checkId(value, `newStacks[${i}].frames[${j}]`);
        if (!knownFrame(frameId)) bad(`newStacks[${i}] refers to frame id ${frameId}, which was never defined`);
      }
    });
    const knownStack = (id: number): boolean => this.senderStacks.has(id) || stackIds.has(id) || this.overflow.stacks > 0;
    let total = 0;
    const maxCount = this.limits.maxCount;
    counts.forEach((c, i) => {
      const plausible = typeof c === 'object' && c !== null && isIndex(c.stackId) && typeof c.comm === 'string' && isU32(c.pid) && isU32(c.tid) && isIndex(c.count) && c.count <= maxCount;
      if (!plausible) {
        checkId(c?.stackId, `counts[${i}].stackId`);
        checkString(c.comm, `counts[${i}].comm`);
        checkU32(c.pid, `counts[${i}].pid`);
        checkU32(c.tid, `counts[${i}].tid`);
        checkCount(c.count, maxCount, `counts[${i}].count`);
      }
      if (!knownStack(c.stackId)) bad(`counts[${i}] refers to stack id ${c.stackId}, which was never defined`);
      if (c.bucket !== undefined && (this.timeline === undefined || !isIndex(c.bucket) || c.bucket >= MAX_TIME_BUCKETS)) {
        bad(`counts[${i}].bucket must be a time bucket from 0 to ${MAX_TIME_BUCKETS - 1} of a profile with a timeline, got ${String(c.bucket)}`);
      }
      total += c.count;
    });
    if (this.sampleCount + total > Number.MAX_SAFE_INTEGER) bad('the total sample count would overflow');
    if (typeof stats !== 'object' || stats === null) bad('the delta must have stats');
    checkCount(stats.samples, Number.MAX_SAFE_INTEGER, 'stats.samples');
    const lost = checkLost(stats.lost, 'stats.lost');
    // Running totals must stay exact: a sum past 2^53 would silently lose samples.
    if (this.reportedSamples + stats.samples > Number.MAX_SAFE_INTEGER) bad('the total reported sample count would overflow');
    for (const k of ['mapFull', 'userStackErrors', 'kernelStackErrors', 'other'] as const) {
      if (this.lost[k] + lost[k] > Number.MAX_SAFE_INTEGER) bad(`the total of lost samples (${k}) would overflow`);
    }
    if (delta.timeMs !== undefined && (typeof delta.timeMs !== 'number' || !Number.isFinite(delta.timeMs))) bad('timeMs must be a finite number');
    return { frames, clip, truncatedStrings: () => truncated };
  }

  private internFrame(frame: Frame): number | undefined {
    const key = frameKey(frame);
    const existing = this.frameIndex.get(key);
    if (existing !== undefined) return existing;
    if (this.frames.length >= this.limits.maxFrames) return undefined;
    const chars = frame.name.length + frame.module.length + frame.file.length + frame.buildId.length + frame.address.length;
    if (this.stringChars + chars > this.limits.maxStringChars) return undefined;
    this.stringChars += chars;
    this.frames.push(Object.freeze(frame));
    this.frameIndex.set(key, this.frames.length - 1);
    return this.frames.length - 1;
  }

  // The two overflow frames and the overflow stack bypass the limits: there is at most one of each.
  private overflowFrame(): number {
    return this.frameIndex.get(frameKey(OVERFLOW_FRAME)) ?? this.pushFrame(OVERFLOW_FRAME);
  }

  private defineFrame(id: number, frame: Frame): void {
    const index = this.internFrame(frame);
    if (index === undefined) {
      this.overflow.frames++;
      return;
    }
    this.senderFrames.set(id, index);
  }

  private frameFor(senderId: number): number {
    return this.senderFrames.get(senderId) ?? this.overflowFrame();
  }

  private defineStack(id: number, senderFrames: readonly number[]): void {
    let ids = senderFrames;
    if (ids.length > this.limits.maxStackDepth) {
      this.overflow.truncatedFrames += ids.length - this.limits.maxStackDepth;
      ids = ids.slice(0, this.limits.maxStackDepth);
    }
    const index = this.internStack(ids.map((f) => this.frameFor(f)));
    if (index === undefined) {
      this.overflow.stacks++;
      return;
    }
    this.senderStacks.set(id, index);
  }

  /** Interns a stack of model frame indices; undefined when the stack limit is reached. */
  internStack(frames: readonly number[]): number | undefined {
    const existing = this.stackIndex.get(frames);
    if (existing !== undefined) return existing;
    if (this.stacks.length >= this.limits.maxStacks) return undefined;
    const stored = Object.freeze(frames.slice());
    this.stacks.push(stored);
    this.stackIndex.set(stored, this.stacks.length - 1);
    return this.stacks.length - 1;
  }

  private overflowStack(): number {
    const frame = this.frameIndex.get(frameKey(OVERFLOW_STACK_FRAME)) ?? this.pushFrame(OVERFLOW_STACK_FRAME);
    const stack = Object.freeze([frame]);
    const existing = this.stackIndex.get(stack);
    if (existing !== undefined) return existing;
    this.stacks.push(stack);
    this.stackIndex.set(stack, this.stacks.length - 1);
    return this.stacks.length - 1;
  }

  private pushFrame(frame: Frame): number {
    this.frames.push(frame);
    this.frameIndex.set(frameKey(frame), this.frames.length - 1);
    return this.frames.length - 1;
  }

  private stackFor(senderId: number): number {
    const index = this.senderStacks.get(senderId);
    return index ?? this.overflowStack();
  }

  /** Adds samples of a model stack index; used by apply and by importers. */
  addCount(stack: number, comm: string, pid: number, tid: number, count: number, bucket?: number): void {
    if (this.isOverflowStack(stack)) this.overflow.samples += count;
    let rows = this.rowsByStack[stack];
    if (rows === undefined) {
      rows = { list: [], byKey: undefined };
      this.rowsByStack[stack] = rows;
    }
    if (bucket !== undefined && this.timeline !== undefined && bucket >= this.timeline.buckets) this.timeline.buckets = bucket + 1;
    let row = findRow(rows, comm, pid, tid, bucket);
    if (row === undefined) {
      if (this.rows.length >= this.limits.maxSampleRows || this.stringChars + comm.length > this.limits.maxStringChars) {
        this.overflow.samples += count;
        row = findRow(rows, OVERFLOW_COMM, 0, 0, bucket) ?? this.pushRow(rows, { stack, comm: OVERFLOW_COMM, pid: 0, tid: 0, count: 0, bucket });
      } else {
        this.stringChars += comm.length;
        row = this.pushRow(rows, { stack, comm, pid, tid, count: 0, bucket });
      }
    }
    row.count += count;
    this.sampleCount += count;
  }

  private isOverflowStack(stack: number): boolean {
    const frames = this.stacks[stack];
    return frames !== undefined && frames.length === 1 && this.frames[frames[0] ?? -1] === OVERFLOW_STACK_FRAME;
  }

  private pushRow(rows: StackRows, row: MutableRow): MutableRow {
    this.rows.push(row);
    rows.list.push(row);
    if (rows.byKey !== undefined) rows.byKey.set(rowKey(row.comm, row.pid, row.tid, row.bucket), row);
    else if (rows.list.length > SCAN_LIMIT) rows.byKey = new Map(rows.list.map((r) => [rowKey(r.comm, r.pid, r.tid, r.bucket), r]));
    return row;
  }
}

/** Parts of a whole profile, as produced by importers; checked like a delta. */
export interface ProfileParts {
  readonly start?: ProfileStart;
  readonly frames: readonly Frame[];
  /** Stacks of indices into `frames`, leaf-first. */
  readonly stacks: readonly (readonly number[])[];
  readonly samples: readonly SampleRow[];
}

/** Builds a checked, interned Profile from whole parts (importers, redaction). */
export function profileFromParts(parts: ProfileParts, limits: Partial<ProfileLimits> = {}): Profile {
  const builder = new ProfileBuilder(parts.start, limits);
  builder.apply({
    newFrames: parts.frames.map((frame, id) => ({ id, frame })),
    newStacks: parts.stacks.map((frames, id) => ({ id, frames })),
    counts: parts.samples.map((s) =>
      s.bucket === undefined ? { stackId: s.stack, comm: s.comm, pid: s.pid, tid: s.tid, count: s.count } : { stackId: s.stack, comm: s.comm, pid: s.pid, tid: s.tid, count: s.count, bucket: s.bucket },
    ),
    stats: { samples: 0, lost: NO_LOST },
  });
  return builder.snapshot();
}
