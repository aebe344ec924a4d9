// Go function tables from the pclntab (runtime/symtab.go pcHeader). Formats: Go 1.2-1.15
// (magic 0xfffffffb), 1.16-1.17 (0xfffffffa), 1.18-1.19 (0xfffffff0), 1.20+ (0xfffffff1).
// Works on the .gopclntab section and, for stripped binaries, on the bytes found by the magic.
// Function names only; file/line (pcfile/pcln tables) are not decoded.
import { lastAtOrBelow } from '../../../core/util/search';

export interface GoFuncTable {
  /** Absolute entry addresses, ascending; `entries[n]` is the end of the last function. */
  entries: Float64Array;
  name(i: number): string;
  version: string;
}

const MAGIC_12 = 0xfffffffb;
const MAGIC_116 = 0xfffffffa;
const MAGIC_118 = 0xfffffff0;
const MAGIC_120 = 0xfffffff1;
const MAX_FUNCS = 10_000_000;

const utf8 = new TextDecoder('utf-8', { fatal: false });

function readPtr(v: DataView, off: number, ptrSize: number): number {
  if (ptrSize === 4) return v.getUint32(off, true);
  return v.getUint32(off + 4, true) * 0x1_0000_0000 + v.getUint32(off, true);
}

function cstr(b: Uint8Array, off: number): string {
  if (off < 0 || off >= b.byteLength) return '';
  let end = off;
  const lim = Math.min(b.byteLength, off + 4096);
  while (end < lim && b[end] !== 0) end++;
  return utf8.decode(b.subarray(off, end));
}

/**
 * Parses a pclntab that starts at `data[0]`. `textAddr` (the .text section address) is used
 * only when the header's textStart is 0 (relocated at load time in PIE binaries).
 */
export function parseGoPclntab(data: Uint8Array, textAddr: number): GoFuncTable | undefined {
  if (data.byteLength < 16) return undefined;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magic = v.getUint32(0, true);
  if (data[4] !== 0 || data[5] !== 0) return undefined;
  const minLC = data[6] ?? 0;
  const ptrSize = data[7] ?? 0;
  if (![1, 2, 4].includes(minLC) || (ptrSize !== 4 && ptrSize !== 8)) return undefined;
  const ptr = (i: number): number => readPtr(v, 8 + i * ptrSize, ptrSize);
  try {
    if (magic === MAGIC_118 || magic === MAGIC_120) {
      if (data.byteLength < 8 + 8 * ptrSize) return undefined;
      const nfunc = ptr(0);
      let textStart = ptr(2);
      const funcnameOffset = ptr(3);
      const pclnOffset = ptr(7);
      if (nfunc <= 0 || nfunc > MAX_FUNCS) return undefined;
      if (pclnOffset + (nfunc + 1) * 8 > data.byteLength || funcnameOffset >= data.byteLength) return undefined;
      if (textStart === 0) textStart = textAddr;
      const entries = new Float64Array(nfunc + 1);
      const funcOffs = new Uint32Array(nfunc);
      let prev = -1;
      for (let i = 0; i <= nfunc; i++) {
        const entryoff = v.getUint32(pclnOffset + i * 8, true);
        if (entryoff < prev) return undefined;
        prev = entryoff;
        entries[i] = textStart + entryoff;
        if (i < nfunc) funcOffs[i] = v.getUint32(pclnOffset + i * 8 + 4, true);
      }
      const cache = new Map<number, string>();
      return {
        entries,
        version: magic === MAGIC_118 ? 'go1.18' : 'go1.20',
        name(i) {
          let s = cache.get(i);
          if (s !== undefined) return s;
          const fo = pclnOffset + (funcOffs[i] ?? 0);
          if (fo + 8 > data.byteLength) return '';
          const nameOff = v.getInt32(fo + 4, true);
          s = cstr(data, funcnameOffset + nameOff);
          if (cache.size < 100_000) cache.set(i, s);
          return s;
        },
      };
    }
    if (magic === MAGIC_116) {
      if (data.byteLength < 8 + 7 * ptrSize) return undefined;
      const nfunc = ptr(0);
      const funcnameOffset = ptr(2);
      const pclnOffset = ptr(6);
      const ent = 2 * ptrSize;
      if (nfunc <= 0 || nfunc > MAX_FUNCS || pclnOffset + (nfunc + 1) * ent > data.byteLength) return undefined;
      const entries = new Float64Array(nfunc + 1);
      const funcOffs = new Float64Array(nfunc);
      for (let i = 0; i <= nfunc; i++) {
        entries[i] = readPtr(v, pclnOffset + i * ent, ptrSize);
        if (i < nfunc) funcOffs[i] = readPtr(v, pclnOffset + i * ent + ptrSize, ptrSize);
        if (i > 0 && (entries[i] ?? 0) < (entries[i - 1] ?? 0)) return undefined;
      }
      return {
        entries,
        version: 'go1.16',
        name(i) {
          const fo = pclnOffset + (funcOffs[i] ?? 0);
          if (fo + ptrSize + 4 > data.byteLength) return '';
          return cstr(data, funcnameOffset + v.getInt32(fo + ptrSize, true));
        },
      };
    }
    if (magic === MAGIC_12) {
      const nfunc = ptr(0);
      const tab = 8 + ptrSize;
      const ent = 2 * ptrSize;
      if (nfunc <= 0 || nfunc > MAX_FUNCS || tab + (nfunc + 1) * ent > data.byteLength) return undefined;
      const entries = new Float64Array(nfunc + 1);
      const funcOffs = new Float64Array(nfunc);
      for (let i = 0; i <= nfunc; i++) {
        entries[i] = readPtr(v, tab + i * ent, ptrSize);
        if (i < nfunc) funcOffs[i] = readPtr(v, tab + i * ent + ptrSize, ptrSize);
        if (i > 0 && (entries[i] ?? 0) < (entries[i - 1] ?? 0)) return undefined;
      }
      return {
        entries,
        version: 'go1.2',
        name(i) {
          const fo = funcOffs[i] ?? 0;
          if (fo + ptrSize + 4 > data.byteLength) return '';
          return cstr(data, v.getInt32(fo + ptrSize, true));
        },
      };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** Finds a pclntab inside `data` by its magic (stripped binaries) and parses it. */
export function findPclntabByMagic(data: Uint8Array, textAddr: number): GoFuncTable | undefined {
  for (const first of [0xf1, 0xf0, 0xfa, 0xfb]) {
    let from = 0;
    for (;;) {
      const i = data.indexOf(first, from);
      if (i < 0 || i + 16 > data.byteLength) break;
      from = i + 1;
      if ((i & 3) !== 0) continue; // the header is pointer-aligned
      if (data[i + 1] !== 0xff || data[i + 2] !== 0xff || data[i + 3] !== 0xff || data[i + 4] !== 0 || data[i + 5] !== 0) continue;
      const t = parseGoPclntab(data.subarray(i), textAddr);
      if (t && t.entries.length > 1 && t.name(0) !== '') return t;
    }
  }
  return undefined;
}

/** Index of the Go function containing `addr`, or -1. */
export function lookupGoFunc(t: GoFuncTable, addr: number): number {
  const e = t.entries;
  const n = e.length - 1;
  if (n <= 0 || addr < (e[0] ?? 0) || addr >= (e[n] ?? 0)) return -1;
  return lastAtOrBelow(e, addr, n);
}
