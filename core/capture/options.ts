// The capture options a user chooses (UI, CLI, API), as plain data, and their one schema: the
// bounds, the defaults and the plain-words refusals. The API validator, the services, the CLI
// and the wire conversion (core/protocol/options.ts) all check with the functions below, so a
// capture one of them accepts, every other accepts too, and a refusal reads the same everywhere.
import { EmberError } from '../errors';
import { MAX_USER_PATTERNS, compileUserPattern } from '../redaction/patterns';

export type CaptureTarget =
  | { readonly kind: 'all' }
  | { readonly kind: 'pid'; readonly pid: number }
  /**
   * A process by name: what the user types is the executable's file name (up to 255 characters,
   * as `ps -o comm` shows it only when it is short). The agent matches a process whose
   * executable's file name equals it, or whose kernel comm (15 characters) equals it or its
   * first 15 characters (agent-remote/src/capture/target.ts pidsByName).
   */
  | { readonly kind: 'comm'; readonly name: string }
  /** A cgroup v2 path, absolute or relative to /sys/fs/cgroup (the agent keeps it under there). */
  | { readonly kind: 'cgroup'; readonly path: string };

export interface CaptureOptions {
  /** Samples per second per CPU (CAPTURE_LIMITS.hz, default 99). */
  readonly hz: number;
  /** 0 = until stopped; at most a week. */
  readonly seconds: number;
  readonly target: CaptureTarget;
  /** Host-side strict redaction: unredacted names never leave the host. */
  readonly strict: boolean;
  /**
   * Resolve kernel frames: true asks for them (the setup must have opted in to CAP_SYSLOG),
   * false turns them off, undefined uses what the host granted (see kernelSymbolsFor).
   */
  readonly kernelSymbols?: boolean;
  /** Extra redaction patterns used with strict host-side redaction. */
  readonly redactPatterns?: readonly string[];
  /** Title in the library (default `<host> <date>`). */
  readonly title?: string;
}

export const CAPTURE_LIMITS = Object.freeze({
  hz: Object.freeze({ min: 1, max: 10_000 }),
  /** A week: a day-long capture fits with room to spare. */
  seconds: Object.freeze({ min: 0, max: 7 * 24 * 3600 }),
  /** PID_MAX_LIMIT on 64-bit Linux. */
  pid: Object.freeze({ min: 1, max: 4_194_304 }),
  /** NAME_MAX: a full executable file name. */
  processNameLength: 255,
  cgroupPathLength: 4096,
  titleLength: 200,
  redactPatterns: MAX_USER_PATTERNS,
});

export const DEFAULT_HZ = 99;

export const DEFAULT_CAPTURE_OPTIONS: CaptureOptions = Object.freeze({ hz: DEFAULT_HZ, seconds: 0, target: Object.freeze({ kind: 'all' }), strict: false });

const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

function wholeNumberProblem(name: string, value: number, bounds: { readonly min: number; readonly max: number }, note: string): string | undefined {
  if (!Number.isInteger(value)) return `${name} must be an integer from ${bounds.min} to ${bounds.max}${note}.`;
  if (value < bounds.min || value > bounds.max) return `${name} must be between ${bounds.min} and ${bounds.max}${note}.`;
  return undefined;
}

export function hzProblem(hz: number): string | undefined {
  return wholeNumberProblem('hz', hz, CAPTURE_LIMITS.hz, ' (samples per second per CPU)');
}

export function secondsProblem(seconds: number): string | undefined {
  return wholeNumberProblem('seconds', seconds, CAPTURE_LIMITS.seconds, ' (0 = until stopped, 604800 = a week)');
}

export function pidProblem(pid: number): string | undefined {
  return wholeNumberProblem('pid', pid, CAPTURE_LIMITS.pid, ' (a process id)');
}

export function processNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > CAPTURE_LIMITS.processNameLength || !NO_CONTROL_CHARACTERS.test(name)) {
    return `the process name must be the executable's file name (or the kernel's 15-character comm): 1 to ${CAPTURE_LIMITS.processNameLength} characters, no control characters.`;
  }
  return undefined;
}

export function cgroupPathProblem(path: string): string | undefined {
  if (path.length === 0 || path.length > CAPTURE_LIMITS.cgroupPathLength || !NO_CONTROL_CHARACTERS.test(path) || path.split('/').includes('..')) {
    return `the cgroup must be a cgroup v2 path under /sys/fs/cgroup: 1 to ${CAPTURE_LIMITS.cgroupPathLength} characters, no '..', no control characters.`;
  }
  return undefined;
}

export function targetProblem(target: CaptureTarget): string | undefined {
  switch (target.kind) {
    case 'pid':
      return pidProblem(target.pid);
    case 'comm':
      return processNameProblem(target.name);
    case 'cgroup':
      return cgroupPathProblem(target.path);
    default:
      return undefined;
  }
}

/** Patterns as the redaction compiles them (shape, ReDoS guard), host side and desktop side alike. */
export function redactPatternsProblem(patterns: readonly string[]): string | undefined {
  if (patterns.length > CAPTURE_LIMITS.redactPatterns) return `at most ${CAPTURE_LIMITS.redactPatterns} redaction patterns are accepted.`;
  for (const [i, p] of patterns.entries()) {
    try {
      compileUserPattern(p, i);
    } catch (e) {
      return `${e instanceof Error ? e.message : String(e)}.`;
    }
  }
  return undefined;
}

export function titleProblem(title: string): string | undefined {
  if (title.length > CAPTURE_LIMITS.titleLength || !NO_CONTROL_CHARACTERS.test(title)) {
    return `the title must be at most ${CAPTURE_LIMITS.titleLength} characters, no control characters.`;
  }
  return undefined;
}

/** The first thing wrong with these options, in plain words; undefined when they are fine. */
export function captureOptionsProblem(o: CaptureOptions): string | undefined {
  return (
    hzProblem(o.hz) ??
    secondsProblem(o.seconds) ??
    targetProblem(o.target) ??
    redactPatternsProblem(o.redactPatterns ?? []) ??
    (o.title !== undefined ? titleProblem(o.title) : undefined)
  );
}

/** The options themselves, or EmberError BAD_OPTIONS with captureOptionsProblem's words. */
export function requireValidCaptureOptions(o: CaptureOptions): CaptureOptions {
  const problem = captureOptionsProblem(o);
  if (problem !== undefined) throw new EmberError('BAD_OPTIONS', problem);
  return o;
}

/**
 * Whether a capture resolves kernel frames. An explicit choice wins; undefined follows what the
 * host granted (the services pass whether the installed sampler holds CAP_SYSLOG).
 */
export function kernelSymbolsFor(requested: boolean | undefined, granted = false): boolean {
  return requested ?? granted;
}
