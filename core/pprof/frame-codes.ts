// pprof has no field for a frame's kind and symbolization status. The decoder infers them
// (kernel mapping or address → kernel, perf map → jit, placeholder name → no symbols); the
// frames where that guess would be wrong are listed in one comment, `index=code,...` with
// one letter per (kind, status), so a saved capture reopens exactly while the comment that
// `go tool pprof` prints stays short.
import { FRAME_KINDS, FRAME_STATUSES, type FrameKind, type FrameStatus } from '../profile/types';

export const FRAME_CODES_PREFIX = 'emberscope:frames:v1:';
export const KERNEL_MAPPING = '[kernel.kallsyms]';
export const JIT_MAPPING = '[jit]';

const BASE = 'a'.charCodeAt(0);
const KERNEL_SPACE = 0xffff800000000000n;
const PLACEHOLDER = /^(?:\[unknown\]|(?:.*\+)?0x[0-9a-f]+)$/;

export interface KindStatus {
  readonly kind: FrameKind;
  readonly status: FrameStatus;
}

export function inferKindStatus(mappingFile: string, address: bigint, name: string): KindStatus {
  const kind: FrameKind =
    mappingFile.startsWith('[kernel') || address >= KERNEL_SPACE ? 'kernel' : mappingFile === JIT_MAPPING || /\/perf-\d+\.map$/.test(mappingFile) ? 'jit' : 'user';
  if (name === '' || PLACEHOLDER.test(name)) return { kind, status: 'no-symbols' };
  if (kind === 'jit') return { kind, status: 'jit' };
  if (kind === 'kernel' && name === '[kernel]') return { kind, status: 'kernel-hidden' };
  return { kind, status: 'symbolized' };
}

function code(k: KindStatus): string {
  return String.fromCharCode(BASE + FRAME_KINDS.indexOf(k.kind) * FRAME_STATUSES.length + FRAME_STATUSES.indexOf(k.status));
}

function parseCode(c: string): KindStatus | undefined {
  const n = c.length === 1 ? c.charCodeAt(0) - BASE : -1;
  const kind = FRAME_KINDS[Math.floor(n / FRAME_STATUSES.length)];
  const status = FRAME_STATUSES[n % FRAME_STATUSES.length];
  return n >= 0 && kind !== undefined && status !== undefined ? { kind, status } : undefined;
}

/** The comment listing frames whose kind/status differ from the inferred ones; '' when none do. */
export function encodeFrameCodes(exceptions: ReadonlyMap<number, KindStatus>): string {
  if (exceptions.size === 0) return '';
  return FRAME_CODES_PREFIX + [...exceptions].map(([index, ks]) => `${index}${code(ks)}`).join(',');
}

/** Location index → kind/status; malformed entries are ignored (the comment is untrusted). */
export function decodeFrameCodes(comment: string): Map<number, KindStatus> {
  const out = new Map<number, KindStatus>();
  for (const entry of comment.slice(FRAME_CODES_PREFIX.length).split(',')) {
    const m = /^(\d{1,9})([a-z])$/.exec(entry);
    const ks = m ? parseCode(m[2] ?? '') : undefined;
    if (m && ks) out.set(Number(m[1]), ks);
  }
  return out;
}
