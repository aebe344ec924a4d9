// Parser of the sampler's stdout record stream (bpf/FORMAT.md). Little-endian, no padding:
// every record is `u32 type, u32 length` then `length` payload bytes. The parser is
// incremental (feed it chunks as they arrive), bounded (a record over MAX_RECORD_BYTES is an
// error, never a huge allocation) and total: malformed input yields an EmberError BAD_RECORD
// with a clear message, never an exception of another kind. Unknown record types are skipped
// (the format may grow).
import { EmberError } from '../../../core/errors';

export const RECORD_HEADER = 1;
export const RECORD_STACK = 2;
export const RECORD_COUNT = 3;
export const RECORD_STATS = 4;
export const RECORD_END = 5;
export const RECORD_ERROR = 6;
export const RECORD_MAPS = 7;
/** Capability sets of the sampler at start (stage 0) and after its drop (stage 1). */
export const RECORD_CAPS = 8;
/**
 * The kernel's text symbols (/proc/kallsyms lines) read by the sampler (`--kallsyms`) while it
 * still held CAP_SYSLOG: the agent never holds it, so at perf_event_paranoid=2 it sees zeros.
 */
export const RECORD_KALLSYMS = 9;

export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
export const MAX_FRAMES = 4096;

export const FLAG_BUILD_ID = 1;
export const FLAG_KERNEL_STACKS = 2;
export const FLAG_MAPS = 4;

export const STACK_USER = 0;
export const STACK_KERNEL = 1;
export const STACK_USER_BUILD_ID = 2;

export interface HeaderRecord {
  type: 'header';
  version: number;
  flags: number;
  clock: number;
  hz: number;
  ncpus: number;
  maxDepth: number;
  samplerPid: number;
  startMonoNs: bigint;
  startRealNs: bigint;
}

/**
 * One build-id frame: the kernel's struct bpf_stack_build_id, 32 bytes: s32 status (low byte;
 * 0 empty, 1 build id valid, 2 ip only), u8 build_id[20], u64 offset_or_ip at byte 24. (The
 * brief's "u32 reserved2" before the u64 would make 36 bytes; 32 and the kernel's layout win.)
 */
export interface BuildIdFrame {
  /** 0 empty, 1 build id valid, 2 ip only */
  status: number;
  buildId: string;
  offsetOrIp: bigint;
}

/**
 * `key`: the raw frame bytes (latin1), an identity of the stack's content. The sampler
 * redefines every stack each interval; with the key the agent recognizes a stack it already
 * symbolized without looking at its frames again. Absent on hand-built records (tests).
 */
export type StackRecord =
  | { type: 'stack'; stackId: number; kind: 0 | 1; ips: bigint[]; key?: string }
  | { type: 'stack'; stackId: number; kind: 2; frames: BuildIdFrame[]; key?: string };

export interface CountRecord {
  type: 'count';
  tgid: number;
  pid: number;
  userStackId: number;
  kernelStackId: number;
  comm: string;
  count: number;
}

export interface StatsRecord {
  type: 'stats';
  interval: number;
  monoNs: bigint;
  samples: number;
  lostMapFull: number;
  lostUserStack: number;
  lostKernelStack: number;
  lostOther: number;
  /** Added fields (0 when the sampler does not send them). */
  filtered: number;
  idle: number;
}

export interface EndRecord {
  type: 'end';
  /** 0 duration, 1 signal, 2 stdin/parent closed, 3 error */
  reason: number;
  monoNs: bigint;
  totalSamples: number;
  totalLost: number;
}

export interface ErrorRecord {
  type: 'error';
  code: string;
  message: string;
}

export interface MapsRecord {
  type: 'maps';
  tgid: number;
  truncated: boolean;
  /** The sampler could not read the maps (process gone, not permitted): text is empty. */
  unreadable: boolean;
  text: string;
}

export interface CapsRecord {
  type: 'caps';
  /** 0 at start, 1 after the drop */
  stage: number;
  noNewPrivs: boolean;
  /** 16-digit hex masks as in /proc/PID/status */
  effective: string;
  permitted: string;
  inheritable: string;
  ambient: string;
  bounding: string;
}

export interface KallsymsRecord {
  type: 'kallsyms';
  /** Cut at the sampler's bound (at a line end). */
  truncated: boolean;
  /** The sampler saw zeros or could not read the file: text is empty. */
  hidden: boolean;
  /** /proc/kallsyms lines of types t T w W (latin1 bytes, a copy). */
  bytes: Uint8Array;
}

export interface UnknownRecord {
  type: 'unknown';
  recordType: number;
  length: number;
}

export type SamplerRecord =
  | HeaderRecord
  | StackRecord
  | CountRecord
  | StatsRecord
  | EndRecord
  | ErrorRecord
  | MapsRecord
  | CapsRecord
  | KallsymsRecord
  | UnknownRecord;

function bad(message: string, offset: number): EmberError {
  return new EmberError('BAD_RECORD', `The sampler's output is malformed: ${message} (at byte ${offset}).`, { offset });
}

/** u64 counters as numbers (saturating at 2^53 - 1: counts never get near it in practice). */
function u64n(v: DataView, off: number): number {
  const b = v.getBigUint64(off, true);
  return b > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(b);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
const latin1 = new TextDecoder('latin1');

function cString(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  return utf8.decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function decodeIps(raw: Uint8Array, n: number): bigint[] {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const ips = new Array<bigint>(n);
  for (let i = 0; i < n; i++) ips[i] = v.getBigUint64(i * 8, true);
  return ips;
}

function decodeBuildIdFrames(raw: Uint8Array, n: number): BuildIdFrame[] {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const frames = new Array<BuildIdFrame>(n);
  for (let i = 0; i < n; i++) {
    const o = i * 32;
    frames[i] = { status: v.getUint8(o), buildId: hex(raw.subarray(o + 4, o + 24)), offsetOrIp: v.getBigUint64(o + 24, true) };
  }
  return frames;
}

/** Decodes one record payload. `offset` is only for error messages. */
export function decodeRecord(type: number, p: Uint8Array, offset: number, sawHeader: boolean): SamplerRecord {
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const need = (n: number, what: string): void => {
    if (p.byteLength < n) throw bad(`${what} record of ${p.byteLength} bytes, expected at least ${n}`, offset);
  };
  if (!sawHeader && type !== RECORD_HEADER) throw bad(`record type ${type} before the header`, offset);
  switch (type) {
    case RECORD_HEADER: {
      need(44, 'header');
      const magic = latin1.decode(p.subarray(0, 4));
      if (magic !== 'EMBS') throw bad(`bad magic ${JSON.stringify(magic)}`, offset);
      const version = v.getUint16(4, true);
      if (version !== 1) throw bad(`unsupported format version ${version}`, offset);
      return {
        type: 'header',
        version,
        flags: v.getUint16(6, true),
        clock: v.getUint32(8, true),
        hz: v.getUint32(12, true),
        ncpus: v.getUint32(16, true),
        maxDepth: v.getUint32(20, true),
        samplerPid: v.getUint32(24, true),
        startMonoNs: v.getBigUint64(28, true),
        startRealNs: v.getBigUint64(36, true),
      };
    }
    case RECORD_STACK: {
      need(12, 'stack');
      const stackId = v.getUint32(0, true);
      const kind = v.getUint8(4);
      const nframes = v.getUint32(8, true);
      if (nframes > MAX_FRAMES) throw bad(`stack with ${nframes} frames (bound ${MAX_FRAMES})`, offset);
      // The frames are decoded on first access only (a copy of their bytes is kept): the agent
      // looks at the frames of a stack it has not seen before, and most stacks of an interval
      // are ones it has (the key says so).
      if (kind === STACK_USER || kind === STACK_KERNEL) {
        need(12 + nframes * 8, 'stack');
        const raw = p.slice(12, 12 + nframes * 8);
        let ips: bigint[] | undefined;
        return {
          type: 'stack',
          stackId,
          kind,
          get ips(): bigint[] {
            ips ??= decodeIps(raw, nframes);
            return ips;
          },
          key: latin1.decode(raw),
        };
      }
      if (kind === STACK_USER_BUILD_ID) {
        need(12 + nframes * 32, 'stack');
        const raw = p.slice(12, 12 + nframes * 32);
        let frames: BuildIdFrame[] | undefined;
        return {
          type: 'stack',
          stackId,
          kind,
          get frames(): BuildIdFrame[] {
            frames ??= decodeBuildIdFrames(raw, nframes);
            return frames;
          },
          key: latin1.decode(raw),
        };
      }
      throw bad(`unknown stack kind ${kind}`, offset);
    }
    case RECORD_COUNT:
      need(40, 'count');
      return {
        type: 'count',
        tgid: v.getUint32(0, true),
        pid: v.getUint32(4, true),
        userStackId: v.getInt32(8, true),
        kernelStackId: v.getInt32(12, true),
        comm: cString(p.subarray(16, 32)),
        count: u64n(v, 32),
      };
    case RECORD_STATS:
      need(56, 'stats');
      return {
        type: 'stats',
        interval: u64n(v, 0),
        monoNs: v.getBigUint64(8, true),
        samples: u64n(v, 16),
        lostMapFull: u64n(v, 24),
        lostUserStack: u64n(v, 32),
        lostKernelStack: u64n(v, 40),
        lostOther: u64n(v, 48),
        filtered: p.byteLength >= 64 ? u64n(v, 56) : 0,
        idle: p.byteLength >= 72 ? u64n(v, 64) : 0,
      };
    case RECORD_END:
      need(32, 'end');
      return {
        type: 'end',
        reason: v.getUint32(0, true),
        monoNs: v.getBigUint64(8, true),
        totalSamples: u64n(v, 16),
        totalLost: u64n(v, 24),
      };
    case RECORD_ERROR: {
      need(4, 'error');
      const len = v.getUint32(0, true);
      if (len > p.byteLength - 4) throw bad(`error code of ${len} bytes in a ${p.byteLength}-byte record`, offset);
      return {
        type: 'error',
        code: utf8.decode(p.subarray(4, 4 + len)).slice(0, 64),
        message: utf8.decode(p.subarray(4 + len)).slice(0, 4096),
      };
    }
    case RECORD_MAPS:
      need(8, 'maps');
      return {
        type: 'maps',
        tgid: v.getUint32(0, true),
        truncated: (v.getUint32(4, true) & 1) !== 0,
        unreadable: (v.getUint32(4, true) & 2) !== 0,
        text: utf8.decode(p.subarray(8)),
      };
    case RECORD_CAPS: {
      need(48, 'caps');
      const mask = (off: number): string => v.getBigUint64(off, true).toString(16).padStart(16, '0');
      return {
        type: 'caps',
        stage: v.getUint32(0, true),
        noNewPrivs: v.getUint32(4, true) !== 0,
        effective: mask(8),
        permitted: mask(16),
        inheritable: mask(24),
        ambient: mask(32),
        bounding: mask(40),
      };
    }
    case RECORD_KALLSYMS:
      need(4, 'kallsyms');
      return { type: 'kallsyms', truncated: (v.getUint32(0, true) & 1) !== 0, hidden: (v.getUint32(0, true) & 2) !== 0, bytes: p.slice(4) };
    default:
      return { type: 'unknown', recordType: type, length: p.byteLength };
  }
}

/** Incremental parser: `push(chunk)` returns the complete records; `end()` checks for leftovers. */
export class RecordParser {
  private buf: Uint8Array = new Uint8Array(0);
  private len = 0;
  private consumed = 0;
  private sawHeader = false;
  private failed: EmberError | undefined;

  /** Total bytes fed so far. */
  get bytes(): number {
    return this.consumed + this.len;
  }

  /** The failure, once the input turned out malformed (later input is ignored). */
  get error(): EmberError | undefined {
    return this.failed;
  }

  /**
   * Feeds a chunk; returns the complete records. Never throws: on malformed input it returns
   * the records decoded before the fault and sets `error` (end() throws it).
   */
  push(chunk: Uint8Array): SamplerRecord[] {
    if (this.failed) return [];
    this.append(chunk);
    const out: SamplerRecord[] = [];
    let pos = 0;
    try {
      while (this.len - pos >= 8) {
        const v = new DataView(this.buf.buffer, this.buf.byteOffset + pos, 8);
        const type = v.getUint32(0, true);
        const length = v.getUint32(4, true);
        const at = this.consumed + pos;
        if (length > MAX_RECORD_BYTES) throw bad(`record of ${length} bytes (bound ${MAX_RECORD_BYTES})`, at);
        if (this.len - pos < 8 + length) break;
        const payload = this.buf.subarray(pos + 8, pos + 8 + length);
        const rec = decodeRecord(type, payload, at, this.sawHeader);
        if (rec.type === 'header') {
          if (this.sawHeader) throw bad('a second header', at);
          this.sawHeader = true;
        }
        out.push(rec);
        pos += 8 + length;
      }
    } catch (e) {
      this.failed = e instanceof EmberError ? e : bad(String(e), this.consumed + pos);
      this.buf = new Uint8Array(0);
      this.len = 0;
      return out;
    }
    this.drop(pos);
    return out;
  }

  /** Call at end of input: throws BAD_RECORD if a record was cut short. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.len > 0) throw bad(`the stream ended inside a record (${this.len} bytes left over)`, this.consumed);
  }

  private append(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    if (this.len + chunk.byteLength > this.buf.byteLength) {
      const next = new Uint8Array(Math.max(this.len + chunk.byteLength, this.buf.byteLength * 2, 65536));
      next.set(this.buf.subarray(0, this.len));
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len += chunk.byteLength;
  }

  private drop(n: number): void {
    if (n === 0) return;
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.consumed += n;
    if (this.buf.byteLength > 1 << 20 && this.len < 1 << 16) this.buf = this.buf.slice(0, Math.max(this.len, 65536));
  }
}
