// Everything the agent sends is untrusted (the host may be compromised). Decoded messages are
// walked once: strings are capped (longer ones shortened, with a marker), arrays and nesting
// bounded (over the bound: a PROTOCOL error), numbers checked to be finite and non-negative
// where the wire type is unsigned. Message bytes are bounded by the channel's
// grpc.max_receive_message_length before decoding.
import { EmberError } from '../../core/errors';
import { DEFAULT_LIMITS } from '../../core/profile/limits';

export interface ValidationLimits {
  /** Longest string kept, in UTF-16 code units (longer ones are shortened). */
  maxString: number;
  /** Longest array accepted in any message. */
  maxArray: number;
  /** Deepest nesting accepted. */
  maxDepth: number;
}

export const DEFAULT_VALIDATION_LIMITS: ValidationLimits = {
  // Twice the profile model's bound: a name cut here is still longer than the model keeps, so
  // the model cuts it again and counts it (overflow.truncatedStrings): nothing is shortened
  // without being counted. (At the model's own bound the model would see nothing to count.)
  maxString: 2 * DEFAULT_LIMITS.maxStringLength,
  maxArray: 250_000,
  maxDepth: 16,
};

export interface ValidationReport {
  truncatedStrings: number;
}

const TRUNCATION_MARK = '…';
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u0008\u000a-\u001f\u007f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const UNSAFE_CHARS_ALL = new RegExp(UNSAFE_CHARS.source, 'g');

/** Validates and sanitizes `value` in place (strings are replaced by capped copies). */
export function sanitizeMessage<T>(value: T, limits: ValidationLimits = DEFAULT_VALIDATION_LIMITS): { value: T; report: ValidationReport } {
  const report: ValidationReport = { truncatedStrings: 0 };
  const out = walk(value, limits, report, 0) as T;
  return { value: out, report };
}

function capString(s: string, limits: ValidationLimits, report: ValidationReport): string {
  let r = s;
  if (r.length > limits.maxString) {
    report.truncatedStrings++;
    r = r.slice(0, limits.maxString - 1) + TRUNCATION_MARK;
  }
  // Control characters other than tab are never meaningful in names or paths: make them visible.
  // So are bidirectional overrides and isolates: a name with U+202E shows its text reversed
  // ("Trojan Source" spoofing of what the user reads in the flame graph and exports).
  if (UNSAFE_CHARS.test(r)) r = r.replace(UNSAFE_CHARS_ALL, '\ufffd');
  return r;
}

function walk(value: unknown, limits: ValidationLimits, report: ValidationReport, depth: number): unknown {
  if (depth > limits.maxDepth) throw new EmberError('PROTOCOL', 'The agent sent a message nested too deeply.');
  if (typeof value === 'string') return capString(value, limits, report);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new EmberError('PROTOCOL', 'The agent sent a number that is not finite.');
    return value;
  }
  if (typeof value === 'boolean' || value === undefined || value === null) return value;
  if (value instanceof Uint8Array) {
    if (value.length > limits.maxArray) throw new EmberError('PROTOCOL', 'The agent sent a byte field over the size bound.');
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length > limits.maxArray) {
      throw new EmberError('PROTOCOL', `The agent sent a list of ${value.length} items, more than the bound of ${limits.maxArray}.`);
    }
    for (let i = 0; i < value.length; i++) value[i] = walk(value[i], limits, report, depth + 1);
    return value;
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length > limits.maxArray) throw new EmberError('PROTOCOL', 'The agent sent a map over the size bound.');
    for (const k of keys) {
      if (k.length > limits.maxString) throw new EmberError('PROTOCOL', 'The agent sent a map key over the length bound.');
      obj[k] = walk(obj[k], limits, report, depth + 1);
    }
    return obj;
  }
  throw new EmberError('PROTOCOL', `The agent sent an unexpected value of type ${typeof value}.`);
}
