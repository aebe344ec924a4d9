// The profile model shared by the agent, the app and the renderer.
//
// Stacks are LEAF-FIRST: index 0 is the sampled (innermost) frame, the last index is the
// outermost caller. This is the order of BPF stack maps and of pprof `location_id`; the
// flame tree and the folded format walk stacks in reverse.
//
// Everything here is plain data (no classes, no bigint) so a Profile survives structured
// clone and JSON on its way to the renderer or to the browser mode's WebSocket.

export type FrameKind = 'user' | 'kernel' | 'jit' | 'unknown';

/** How well a frame was resolved; the symbolization-quality view counts these. */
export type FrameStatus = 'symbolized' | 'no-symbols' | 'unreadable' | 'jit' | 'kernel-hidden';

/** Which symbol table named a frame (host: symtab … kallsyms; desktop: debuginfod, desktop-dir). */
export type SymbolSource = 'symtab' | 'dynsym' | 'debug-file' | 'minidebuginfo' | 'perf-map' | 'pclntab' | 'kallsyms' | 'debuginfod' | 'desktop-dir';
export const SYMBOL_SOURCES: readonly SymbolSource[] = ['symtab', 'dynsym', 'debug-file', 'minidebuginfo', 'perf-map', 'pclntab', 'kallsyms', 'debuginfod', 'desktop-dir'];
/** Why a frame stayed unnamed. */
export type UnnamedReason =
  | 'no-symbols'
  | 'build-id-mismatch'
  | 'crc-mismatch'
  | 'unreadable'
  | 'kernel-hidden'
  | 'outside-symbols'
  | 'server-unreachable'
  | 'not-on-server'
  | 'too-large';
export const UNNAMED_REASONS: readonly UnnamedReason[] = ['no-symbols', 'build-id-mismatch', 'crc-mismatch', 'unreadable', 'kernel-hidden', 'outside-symbols', 'server-unreachable', 'not-on-server', 'too-large'];

export const FRAME_KINDS: readonly FrameKind[] = ['user', 'kernel', 'jit', 'unknown'];
export const FRAME_STATUSES: readonly FrameStatus[] = ['symbolized', 'no-symbols', 'unreadable', 'jit', 'kernel-hidden'];

export interface Frame {
  /** Function name as displayed (demangled); for unresolved frames a placeholder such as `libc.so.6+0x1a2b`. */
  readonly name: string;
  /** Path of the mapping (ELF file, `[kernel.kallsyms]`, `/tmp/perf-12.map`); '' when unknown. */
  readonly module: string;
  /** GNU build id of the mapping as lowercase hex; '' when unknown. */
  readonly buildId: string;
  /** Source file; '' when unknown. */
  readonly file: string;
  /** Source line, 1-based; 0 when unknown. */
  readonly line: number;
  /** Instruction address as lowercase hex with `0x` (64-bit addresses do not fit a JS number); '' when unknown. */
  readonly address: string;
  readonly kind: FrameKind;
  readonly status: FrameStatus;
  /** The table that named it (absent: not recorded, e.g. an imported file). */
  readonly source?: SymbolSource;
  /** Why it stayed unnamed (absent: named, or not recorded). */
  readonly unnamed?: UnnamedReason;
}

/** Lost samples by cause, as the sampler reports them. */
export interface LostSamples {
  readonly mapFull: number;
  readonly userStackErrors: number;
  readonly kernelStackErrors: number;
  readonly other: number;
}

/** What the model's bounds refused; every refused item is counted, never silently dropped. */
export interface Overflow {
  /** Stacks not stored because the stack limit was reached; their samples went to the overflow stack. */
  readonly stacks: number;
  /** Frames not stored because the frame limit was reached; references to them became the overflow frame. */
  readonly frames: number;
  /** Frames cut off stacks deeper than the depth limit. */
  readonly truncatedFrames: number;
  /** Samples attributed to the overflow stack or the overflow sample row. */
  readonly samples: number;
  /** Strings (names, paths, process names) shortened to the length limit. */
  readonly truncatedStrings: number;
}

export interface ProfileMeta {
  /** Sampling frequency in Hz; 0 when unknown (imported folded stacks). */
  readonly hz: number;
  /** Nanoseconds of CPU time one sample stands for (1e9 / hz); 0 when unknown. */
  readonly periodNs: number;
  /** Capture start, milliseconds since the Unix epoch; 0 when unknown. */
  readonly startTimeMs: number;
  /** Capture end (or time of the last delta), milliseconds since the Unix epoch; 0 when unknown. */
  readonly endTimeMs: number;
  /** Sum of all sample counts in the profile. */
  readonly sampleCount: number;
  /** Samples the sampler says it took (its own counter; may differ from sampleCount by lost ones). */
  readonly reportedSamples: number;
  readonly lost: LostSamples;
  readonly overflow: Overflow;
  /** Free-text notes carried into pprof comments (redaction drops them). */
  readonly comments: readonly string[];
  /** The capture's time buckets, when it kept them (captures do; folded imports do not). */
  readonly timeline?: Timeline;
}

/**
 * Time buckets of a capture: bucket i covers [startMs + i·bucketMs, startMs + (i+1)·bucketMs).
 * A bucket starts as one agent interval and widens (doubling) on long captures, so that their
 * number stays bounded.
 */
export interface Timeline {
  /** Start of bucket 0, ms since the Unix epoch. */
  readonly startMs: number;
  readonly bucketMs: number;
  /** Number of buckets: every row's bucket is below it. */
  readonly buckets: number;
}

/** Count of samples of one stack in one thread. */
export interface SampleRow {
  /** Index into Profile.stacks. */
  readonly stack: number;
  /** Process (thread) name as the kernel's `comm`. */
  readonly comm: string;
  readonly pid: number;
  readonly tid: number;
  readonly count: number;
  /** Time bucket of these samples (see ProfileMeta.timeline); absent when the profile has no timeline. */
  readonly bucket?: number;
}

export interface Profile {
  readonly meta: ProfileMeta;
  /** Interned frames: no two are equal in every field. */
  readonly frames: readonly Frame[];
  /** Interned stacks of frame indices, leaf-first; no two are equal. */
  readonly stacks: readonly (readonly number[])[];
  /** One row per distinct (stack, comm, pid, tid). */
  readonly samples: readonly SampleRow[];
}

/** A frame as sent in a delta: the sender's id plus the frame. */
export interface DeltaFrame {
  readonly id: number;
  readonly frame: Frame;
}

/** A stack as sent in a delta: the sender's id and the sender's frame ids, leaf-first. */
export interface DeltaStack {
  readonly id: number;
  readonly frames: readonly number[];
}

export interface DeltaCount {
  readonly stackId: number;
  readonly comm: string;
  readonly pid: number;
  readonly tid: number;
  readonly count: number;
  /** Time bucket, for whole profiles rebuilt from parts; a live delta's counts take the bucket of its timeMs. */
  readonly bucket?: number;
}

export interface DeltaStats {
  readonly samples: number;
  readonly lost: LostSamples;
}

/**
 * One interval of a capture. Ids are the sender's (the agent's) and are scoped to one capture:
 * a frame or stack id is defined once, in the first delta that needs it, and later deltas refer
 * to it. The agent and the app convert the gRPC messages to this type.
 */
export interface CaptureDelta {
  readonly newFrames: readonly DeltaFrame[];
  readonly newStacks: readonly DeltaStack[];
  readonly counts: readonly DeltaCount[];
  readonly stats: DeltaStats;
  /** Wall-clock time of the end of the interval, ms since the epoch; optional. */
  readonly timeMs?: number;
}

export const NO_LOST: LostSamples = Object.freeze({ mapFull: 0, userStackErrors: 0, kernelStackErrors: 0, other: 0 });

export const NO_OVERFLOW: Overflow = Object.freeze({ stacks: 0, frames: 0, truncatedFrames: 0, samples: 0, truncatedStrings: 0 });

export function totalLost(lost: LostSamples): number {
  return lost.mapFull + lost.userStackErrors + lost.kernelStackErrors + lost.other;
}

/** A frame with only a name; the other fields at their "unknown" values. */
export function makeFrame(name: string, fields: Partial<Omit<Frame, 'name'>> = {}): Frame {
  return {
    name,
    module: fields.module ?? '',
    buildId: fields.buildId ?? '',
    file: fields.file ?? '',
    line: fields.line ?? 0,
    address: fields.address ?? '',
    kind: fields.kind ?? 'user',
    status: fields.status ?? 'symbolized',
  };
}
