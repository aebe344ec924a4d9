// Friendly input for StartCapture with the defaults of both sides, the conversion of a user's
// capture options to it, and the wire request's validation (the agent validates every request
// again: the app may be compromised on the way to the host). The user-level bounds and their
// words are core/capture/options.ts's; only what exists on the wire alone is checked here.
import { EmberError } from '../errors';
import {
  DEFAULT_HZ,
  cgroupPathProblem,
  hzProblem,
  pidProblem,
  processNameProblem,
  redactPatternsProblem,
  secondsProblem,
  type CaptureOptions as UserCaptureOptions,
  type CaptureTarget as UserCaptureTarget,
} from '../capture/options';
import { TargetKind, type CaptureOptions, type Limits, type SamplerLaunch } from './generated/emberscope.generated';

export { DEFAULT_HZ };

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

export const DEFAULT_INTERVAL_MS = 1000;

/** Most pids one wire request may name (a user's capture names one). */
const MAX_TARGET_PIDS = 1024;

function targetInput(t: UserCaptureTarget): CaptureTargetInput {
  switch (t.kind) {
    case 'pid':
      return { kind: 'pids', pids: [t.pid] };
    case 'comm':
      return { kind: 'process-name', name: t.name };
    case 'cgroup':
      return { kind: 'cgroup', path: t.path };
    default:
      return { kind: 'all' };
  }
}

/** StartCapture input for a user's capture options, launched as `sampler` says. */
export function captureInputFor(options: UserCaptureOptions, launch: { readonly sampler: SamplerLaunch; readonly kernelSymbols: boolean }): CaptureOptionsInput {
  return {
    hz: options.hz,
    seconds: options.seconds,
    target: targetInput(options.target),
    kernelSymbols: launch.kernelSymbols,
    redaction: { strict: options.strict, preset: options.strict ? 'strict' : '', patterns: [...(options.redactPatterns ?? [])] },
    sampler: launch.sampler,
  };
}

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

function check(problem: string | undefined): void {
  if (problem !== undefined) throw bad(problem);
}

function checkTarget(kind: TargetKind, target: NonNullable<CaptureOptions['target']>): void {
  if (kind === TargetKind.TARGET_KIND_PIDS) {
    if (target.pids.length === 0 || target.pids.length > MAX_TARGET_PIDS) throw bad(`a pid target needs 1 to ${MAX_TARGET_PIDS} pids.`);
    for (const pid of target.pids) check(pidProblem(pid));
  } else if (kind === TargetKind.TARGET_KIND_PROCESS_NAME) {
    check(processNameProblem(target.processName));
  } else if (kind === TargetKind.TARGET_KIND_CGROUP) {
    check(cgroupPathProblem(target.cgroupPath));
  } else if (kind !== TargetKind.TARGET_KIND_ALL) {
    throw bad('unknown target kind.');
  }
}

/**
 * Checks a decoded request and fills defaults (zero values mean "default", as proto3 reads an
 * unset field: hz 0 is the default rate here, where a user's hz 0 is refused). Throws BAD_OPTIONS.
 */
export function normalizeCaptureOptions(o: CaptureOptions): CaptureOptions {
  const hz = o.hz === 0 ? DEFAULT_HZ : o.hz;
  check(hzProblem(hz));
  check(secondsProblem(o.seconds));
  const intervalMs = o.intervalMs === 0 ? DEFAULT_INTERVAL_MS : o.intervalMs;
  if (intervalMs < 100 || intervalMs > 60_000) throw bad('intervalMs must be between 100 and 60000.');
  const target = o.target ?? { kind: TargetKind.TARGET_KIND_ALL, pids: [], processName: '', cgroupPath: '' };
  const kind = target.kind === TargetKind.TARGET_KIND_UNSPECIFIED ? TargetKind.TARGET_KIND_ALL : target.kind;
  checkTarget(kind, target);
  const redaction = o.redaction ?? { strict: false, preset: '', patterns: [] };
  check(redactPatternsProblem(redaction.patterns));
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
  if (o.excludePids.length > MAX_TARGET_PIDS) throw bad('too many excluded pids.');
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
