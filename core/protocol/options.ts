// Friendly input for StartCapture with the defaults of both sides, and its validation (the
// agent validates every request again: the app may be compromised on the way to the host).
import { EmberError } from '../errors';
import { TargetKind, type CaptureOptions, type Limits, type SamplerLaunch } from './generated/emberscope.generated';

export type CaptureTargetInput =
  | { kind: 'all' }
  | { kind: 'pids'; pids: readonly number[] }
  | { kind: 'process-name'; name: string }
  | { kind: 'cgroup'; path: string };

export interface CaptureOptionsInput {
  /** Samples per second per CPU (1..10000, default 99). */
  hz?: number;
  /** Duration; 0 or absent = until stopped. */
  seconds?: number;
  /** Drain interval of the sampler (100..60000 ms, default 1000). */
  intervalMs?: number;
  target?: CaptureTargetInput;
  buildIdFrames?: boolean;
  /** Collect kernel stacks (default true). */
  kernelStacks?: boolean;
  /** CAP_SYSLOG was opted in: resolve kernel frames through /proc/kallsyms. */
  kernelSymbols?: boolean;
  redaction?: { strict?: boolean; preset?: string; patterns?: readonly string[] };
  limits?: Partial<Limits>;
  sampler?: Partial<SamplerLaunch>;
  excludePids?: readonly number[];
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxStacks: 100_000,
  maxFrames: 200_000,
  maxFramesPerStack: 256,
  maxMessageBytes: 4 * 1024 * 1024,
});

/** Upper bounds a request may ask for. */
export const MAX_LIMITS: Readonly<Limits> = Object.freeze({
  maxStacks: 1_000_000,
  maxFrames: 2_000_000,
  maxFramesPerStack: 1024,
  maxMessageBytes: 16 * 1024 * 1024,
});

export const DEFAULT_HZ = 99;
export const DEFAULT_INTERVAL_MS = 1000;

export function buildCaptureOptions(input: CaptureOptionsInput = {}): CaptureOptions {
  const t = input.target ?? { kind: 'all' };
  const target =
    t.kind === 'pids'
      ? { kind: TargetKind.TARGET_KIND_PIDS, pids: [...t.pids], processName: '', cgroupPath: '' }
      : t.kind === 'process-name'
        ? { kind: TargetKind.TARGET_KIND_PROCESS_NAME, pids: [], processName: t.name, cgroupPath: '' }
        : t.kind === 'cgroup'
          ? { kind: TargetKind.TARGET_KIND_CGROUP, pids: [], processName: '', cgroupPath: t.path }
          : { kind: TargetKind.TARGET_KIND_ALL, pids: [], processName: '', cgroupPath: '' };
  return {
    hz: input.hz ?? DEFAULT_HZ,
    seconds: input.seconds ?? 0,
    intervalMs: input.intervalMs ?? DEFAULT_INTERVAL_MS,
    target,
    buildIdFrames: input.buildIdFrames ?? false,
    kernelStacks: input.kernelStacks ?? true,
    kernelSymbols: input.kernelSymbols ?? false,
    redaction: {
      strict: input.redaction?.strict ?? false,
      preset: input.redaction?.preset ?? '',
      patterns: [...(input.redaction?.patterns ?? [])],
    },
    limits: { ...DEFAULT_LIMITS, ...input.limits },
    sampler: {
      path: input.sampler?.path ?? '',
      useSetpriv: input.sampler?.useSetpriv ?? false,
      setprivUid: input.sampler?.setprivUid ?? 0,
      setprivGid: input.sampler?.setprivGid ?? 0,
    },
    excludePids: [...(input.excludePids ?? [])],
  };
}

function bad(message: string): EmberError {
  return new EmberError('BAD_OPTIONS', message);
}

function clampLimit(value: number, def: number, max: number): number {
  if (value === 0) return def;
  return Math.min(value, max);
}

/**
 * Checks a decoded request and fills defaults (zero values mean "default"). Throws BAD_OPTIONS.
 */
export function normalizeCaptureOptions(o: CaptureOptions): CaptureOptions {
  const hz = o.hz === 0 ? DEFAULT_HZ : o.hz;
  if (hz < 1 || hz > 10_000) throw bad(`hz must be between 1 and 10000, not ${hz}.`);
  if (o.seconds > 7 * 24 * 3600) throw bad('seconds must be at most one week.');
  const intervalMs = o.intervalMs === 0 ? DEFAULT_INTERVAL_MS : o.intervalMs;
  if (intervalMs < 100 || intervalMs > 60_000) throw bad('intervalMs must be between 100 and 60000.');
  const target = o.target ?? { kind: TargetKind.TARGET_KIND_ALL, pids: [], processName: '', cgroupPath: '' };
  const kind = target.kind === TargetKind.TARGET_KIND_UNSPECIFIED ? TargetKind.TARGET_KIND_ALL : target.kind;
  if (kind === TargetKind.TARGET_KIND_PIDS) {
    if (target.pids.length === 0 || target.pids.length > 1024) throw bad('a pid target needs 1 to 1024 pids.');
    if (target.pids.some((p) => p <= 0)) throw bad('pids must be positive.');
  }
  if (kind === TargetKind.TARGET_KIND_PROCESS_NAME && (target.processName === '' || target.processName.length > 255)) {
    throw bad('a process-name target needs a name of 1 to 255 characters.');
  }
  if (kind === TargetKind.TARGET_KIND_CGROUP) {
    const p = target.cgroupPath;
    if (p === '' || p.length > 4096 || p.split('/').includes('..') || p.includes('\0')) throw bad('bad cgroup path.');
  }
  if (![TargetKind.TARGET_KIND_ALL, TargetKind.TARGET_KIND_PIDS, TargetKind.TARGET_KIND_PROCESS_NAME, TargetKind.TARGET_KIND_CGROUP].includes(kind)) {
    throw bad('unknown target kind.');
  }
  const redaction = o.redaction ?? { strict: false, preset: '', patterns: [] };
  if (redaction.patterns.length > 256 || redaction.patterns.some((p) => p.length > 1024)) throw bad('too many or too long redaction patterns.');
  if (redaction.preset.length > 64) throw bad('bad redaction preset.');
  const l = o.limits ?? DEFAULT_LIMITS;
  const limits: Limits = {
    maxStacks: clampLimit(l.maxStacks, DEFAULT_LIMITS.maxStacks, MAX_LIMITS.maxStacks),
    maxFrames: clampLimit(l.maxFrames, DEFAULT_LIMITS.maxFrames, MAX_LIMITS.maxFrames),
    maxFramesPerStack: clampLimit(l.maxFramesPerStack, DEFAULT_LIMITS.maxFramesPerStack, MAX_LIMITS.maxFramesPerStack),
    maxMessageBytes: Math.max(64 * 1024, clampLimit(l.maxMessageBytes, DEFAULT_LIMITS.maxMessageBytes, MAX_LIMITS.maxMessageBytes)),
  };
  const sampler = o.sampler ?? { path: '', useSetpriv: false, setprivUid: 0, setprivGid: 0 };
  if (sampler.path.length > 4096 || sampler.path.includes('\0')) throw bad('bad sampler path.');
  if (sampler.useSetpriv && sampler.setprivUid === 0) throw bad('setpriv needs a non-root uid.');
  if (o.excludePids.length > 1024) throw bad('too many excluded pids.');
  return {
    ...o,
    hz,
    intervalMs,
    target: { ...target, kind },
    redaction,
    limits,
    sampler,
  };
}
