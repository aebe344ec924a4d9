// Exit statuses of `emberscope`: distinct per failure a script may want to tell apart.
import type { ErrorCode } from '../../core/errors';

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  /** `check` found a blocker warning (and capture refuses to start on one). */
  BLOCKER: 2,
  HOST_UNREACHABLE: 3,
  AUTH_FAILED: 4,
  HOST_KEY_CHANGED: 5,
  HOST_KEY_UNKNOWN: 6,
  SETUP_MISSING: 7,
  ARTIFACT_MISMATCH: 8,
  CONNECTION_LOST: 9,
  KEYCHAIN_UNAVAILABLE: 10,
  SAMPLER_FAILED: 11,
  NOT_FOUND: 12,
  BAD_OPTIONS: 64,
  INTERRUPTED: 130,
} as const;

/** The exit status of each error code a script may want to tell apart; any other is FAILURE. */
const EXIT_OF: Partial<Readonly<Record<ErrorCode, number>>> = {
  BAD_OPTIONS: EXIT.BAD_OPTIONS,
  HOST_UNREACHABLE: EXIT.HOST_UNREACHABLE,
  AUTH_FAILED: EXIT.AUTH_FAILED,
  HOST_KEY_CHANGED: EXIT.HOST_KEY_CHANGED,
  HOST_KEY_UNKNOWN: EXIT.HOST_KEY_UNKNOWN,
  SETUP_MISSING: EXIT.SETUP_MISSING,
  ARTIFACT_MISMATCH: EXIT.ARTIFACT_MISMATCH,
  CONNECTION_LOST: EXIT.CONNECTION_LOST,
  KEYCHAIN_UNAVAILABLE: EXIT.KEYCHAIN_UNAVAILABLE,
  BLOCKER: EXIT.BLOCKER,
  NO_BTF: EXIT.BLOCKER,
  KERNEL_TOO_OLD: EXIT.BLOCKER,
  FILE_CAPS_IGNORED: EXIT.BLOCKER,
  SAMPLER_FAILED: EXIT.SAMPLER_FAILED,
  EPERM: EXIT.SAMPLER_FAILED,
  PERF_EVENT_OPEN: EXIT.SAMPLER_FAILED,
  NOT_FOUND: EXIT.NOT_FOUND,
  CANCELLED: EXIT.INTERRUPTED,
};

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_OF[code] ?? EXIT.FAILURE;
}
