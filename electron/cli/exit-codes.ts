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

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'BAD_OPTIONS':
      return EXIT.BAD_OPTIONS;
    case 'HOST_UNREACHABLE':
      return EXIT.HOST_UNREACHABLE;
    case 'AUTH_FAILED':
      return EXIT.AUTH_FAILED;
    case 'HOST_KEY_CHANGED':
      return EXIT.HOST_KEY_CHANGED;
    case 'HOST_KEY_UNKNOWN':
      return EXIT.HOST_KEY_UNKNOWN;
    case 'SETUP_MISSING':
      return EXIT.SETUP_MISSING;
    case 'ARTIFACT_MISMATCH':
      return EXIT.ARTIFACT_MISMATCH;
    case 'CONNECTION_LOST':
      return EXIT.CONNECTION_LOST;
    case 'KEYCHAIN_UNAVAILABLE':
      return EXIT.KEYCHAIN_UNAVAILABLE;
    case 'BLOCKER':
    case 'NO_BTF':
    case 'KERNEL_TOO_OLD':
    case 'FILE_CAPS_IGNORED':
      return EXIT.BLOCKER;
    case 'SAMPLER_FAILED':
    case 'EPERM':
    case 'PERF_EVENT_OPEN':
      return EXIT.SAMPLER_FAILED;
    case 'NOT_FOUND':
      return EXIT.NOT_FOUND;
    case 'CANCELLED':
      return EXIT.INTERRUPTED;
    default:
      return EXIT.FAILURE;
  }
}
