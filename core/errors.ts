// Errors as typed values with stable codes. Every part of Emberscope reports failures as an
// EmberError: `code` is stable (tests, the CLI's exit status and the UI key on it) and
// `message` is one line in plain words that says what happened and what to do next.

export type ErrorCode =
  // input and options
  | 'BAD_OPTIONS'
  | 'BAD_INPUT'
  | 'TOO_LARGE'
  // hosts and SSH
  | 'HOST_UNREACHABLE'
  | 'AUTH_FAILED'
  | 'HOST_KEY_UNKNOWN'
  | 'HOST_KEY_CHANGED'
  | 'CONNECTION_LOST'
  // secrets
  | 'KEYCHAIN_UNAVAILABLE'
  // deploy and setup
  | 'ARTIFACT_MISMATCH'
  | 'SETUP_MISSING'
  | 'SETUP_FAILED'
  | 'NODE_MISSING'
  | 'UNSUPPORTED_ARCH'
  | 'DISK_FULL'
  // sampler and kernel
  | 'NO_BTF'
  | 'EPERM'
  | 'KERNEL_TOO_OLD'
  | 'PERF_EVENT_OPEN'
  | 'FILE_CAPS_IGNORED'
  | 'SAMPLER_FAILED'
  | 'BAD_RECORD'
  // agent and capture
  | 'AGENT_FAILED'
  | 'PROTOCOL'
  | 'CAPTURE_BUSY'
  | 'BLOCKER'
  | 'NOT_FOUND'
  | 'CANCELLED'
  | 'INTERNAL';

export class EmberError extends Error {
  override readonly name = 'EmberError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: Readonly<Record<string, string | number | boolean>>,
  ) {
    super(message.replace(/\s*\n\s*/g, ' '));
  }
}

export function isEmberError(value: unknown): value is EmberError {
  return value instanceof EmberError;
}

/** One line, as shown to a user: `CODE: message`. */
export function describeError(error: unknown): string {
  if (isEmberError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return `INTERNAL: ${error.message.split('\n')[0]}`;
  return `INTERNAL: ${String(error).split('\n')[0]}`;
}

/** A result for code paths where failing is normal (parsers of untrusted input). */
export type Result<T, E = EmberError> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
