// Checks of untrusted values entering the model. They throw EmberError('BAD_INPUT') with a
// message naming the offending field, because the delta came from a host we do not trust.
import { EmberError } from '../errors';
import { FRAME_KINDS, FRAME_STATUSES, SYMBOL_SOURCES, UNNAMED_REASONS, type Frame, type FrameKind, type FrameStatus, type LostSamples, type SymbolSource, type UnnamedReason } from './types';

const MAX_U32 = 2 ** 32 - 1;

/** A field's name for error messages, built only when there is an error (hot loops pass a function). */
export type What = string | (() => string);
const nameOf = (what: What): string => (typeof what === 'string' ? what : what());

/** One plain sentence for the user: what was wrong, naming the field. */
export function bad(message: string): never {
  throw new EmberError('BAD_INPUT', `The profile data is invalid: ${message}.`);
}

export function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function isU32(value: unknown): value is number {
  return isIndex(value) && value <= MAX_U32;
}

export function checkId(value: unknown, what: What): number {
  if (!isIndex(value)) bad(`${nameOf(what)} must be a non-negative integer, got ${describe(value)}`);
  return value;
}

export function checkCount(value: unknown, max: number, what: What): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) bad(`${nameOf(what)} must be an integer, got ${describe(value)}`);
  if (value < 0) bad(`${nameOf(what)} is negative (${value}); sample counts cannot be negative`);
  if (value > max) bad(`${nameOf(what)} is ${value}, more than the ${max} one interval can hold`);
  return value;
}

export function checkU32(value: unknown, what: What): number {
  if (!isIndex(value) || value > MAX_U32) bad(`${nameOf(what)} must be an integer from 0 to ${MAX_U32}, got ${describe(value)}`);
  return value;
}

export function checkString(value: unknown, what: What): string {
  if (typeof value !== 'string') bad(`${nameOf(what)} must be a string, got ${describe(value)}`);
  return value;
}

const ADDRESS = /^0x[0-9a-f]{1,16}$/i;

/** Canonical address: lowercase hex, `0x`, no leading zeros; '' stays ''. */
export function normalizeAddress(value: unknown, what: string): string {
  const text = checkString(value, what);
  if (text === '') return '';
  if (!ADDRESS.test(text)) bad(`${what} must be hex like 0x7f12ab, got ${describe(text)}`);
  const digits = text.slice(2).toLowerCase().replace(/^0+(?=.)/, '');
  return `0x${digits}`;
}

const BUILD_ID = /^[0-9a-f]{0,128}$/i;

export function checkFrame(value: unknown, what: string, maxString: number, onTruncate: () => void): Frame {
  if (typeof value !== 'object' || value === null) bad(`${what} must be an object`);
  const f = value as Record<string, unknown>;
  const kind = f['kind'];
  const status = f['status'];
  if (!FRAME_KINDS.includes(kind as FrameKind)) bad(`${what}.kind must be one of ${FRAME_KINDS.join(', ')}, got ${describe(kind)}`);
  if (!FRAME_STATUSES.includes(status as FrameStatus)) bad(`${what}.status must be one of ${FRAME_STATUSES.join(', ')}, got ${describe(status)}`);
  const buildId = checkString(f['buildId'], `${what}.buildId`);
  if (!BUILD_ID.test(buildId)) bad(`${what}.buildId must be hex, got ${describe(buildId)}`);
  const line = f['line'];
  if (!isIndex(line) || line > MAX_U32) bad(`${what}.line must be a non-negative integer, got ${describe(line)}`);
  const clip = (text: string): string => {
    if (text.length <= maxString) return text;
    onTruncate();
    return `${text.slice(0, maxString - 1)}…`;
  };
  return {
    name: clip(checkString(f['name'], `${what}.name`)),
    module: clip(checkString(f['module'], `${what}.module`)),
    buildId: buildId.toLowerCase(),
    file: clip(checkString(f['file'], `${what}.file`)),
    line,
    address: normalizeAddress(f['address'], `${what}.address`),
    kind: kind as FrameKind,
    status: status as FrameStatus,
    ...checkOrigin(f, what),
  };
}

/** The optional source / unnamed reason of a frame: a known value or absent. */
function checkOrigin(f: Record<string, unknown>, what: string): { source?: SymbolSource; unnamed?: UnnamedReason } {
  const source = f['source'];
  const unnamed = f['unnamed'];
  if (source !== undefined && !SYMBOL_SOURCES.includes(source as SymbolSource)) bad(`${what}.source must be one of ${SYMBOL_SOURCES.join(', ')}, got ${describe(source)}`);
  if (unnamed !== undefined && !UNNAMED_REASONS.includes(unnamed as UnnamedReason)) bad(`${what}.unnamed must be one of ${UNNAMED_REASONS.join(', ')}, got ${describe(unnamed)}`);
  return { ...(source !== undefined ? { source: source as SymbolSource } : {}), ...(unnamed !== undefined ? { unnamed: unnamed as UnnamedReason } : {}) };
}

export function checkLost(value: unknown, what: string): LostSamples {
  if (typeof value !== 'object' || value === null) bad(`${what} must be an object`);
  const l = value as Record<string, unknown>;
  const field = (name: keyof LostSamples): number => checkCount(l[name], Number.MAX_SAFE_INTEGER, `${what}.${name}`);
  return { mapFull: field('mapFull'), userStackErrors: field('userStackErrors'), kernelStackErrors: field('kernelStackErrors'), other: field('other') };
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
