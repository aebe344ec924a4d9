// Kernel symbols from /proc/kallsyms. Addresses are kept as offsets from KERNEL_BASE so they fit
// a double exactly. At perf_event_paranoid >= 2 without CAP_SYSLOG (and kptr_restrict >= 1)
// every address reads as zero: the table is then "hidden" and kernel frames are marked so.
import { closeSync, openSync, readSync } from 'node:fs';
import { lastAtOrBelow } from '../../../core/util/search';

export const KERNEL_BASE = 0xffff000000000000n;

export interface KernelSymbols {
  hidden: boolean;
  /** Sorted offsets from KERNEL_BASE. */
  addrs: Float64Array;
  /** Symbol i's name is `text[nameAt[i], nameAt[i + 1])`: one buffer, no string per symbol. */
  nameAt: Uint32Array;
  text: Uint8Array;
  /** Index into `modules` ('' is the core kernel). */
  moduleOf: Uint16Array;
  modules: string[];
}

export function kernelOffset(ip: bigint): number | undefined {
  if (ip < KERNEL_BASE) return undefined;
  return Number(ip - KERNEL_BASE);
}

const latin1 = new TextDecoder('latin1');

export function kernelSymbolName(k: KernelSymbols, i: number): string {
  return latin1.decode(k.text.subarray(k.nameAt[i] ?? 0, k.nameAt[i + 1] ?? 0));
}

export function kernelSymbolModule(k: KernelSymbols, i: number): string {
  return k.modules[k.moduleOf[i] ?? 0] ?? '';
}

export const HIDDEN_KERNEL_SYMBOLS: KernelSymbols = Object.freeze({ hidden: true, addrs: new Float64Array(0), nameAt: new Uint32Array(1), text: new Uint8Array(0), moduleOf: new Uint16Array(0), modules: [''] });

const NL = 10;
const SPACE = 32;
const TAB = 9;

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * The text symbols of /proc/kallsyms (~120k lines, 5 MB) in one pass over its bytes, fed in
 * chunks of whole lines: no string per line or symbol, the names copied into one growing buffer
 * (the addresses of kernel text are 0xffff..., so the low 48 bits are exact in a double).
 */
class KallsymsBuilder {
  private cap = 4096;
  private addrs = new Float64Array(this.cap);
  private nameAt = new Uint32Array(this.cap + 1);
  private moduleOf = new Uint16Array(this.cap);
  private text = new Uint8Array(64 * 1024);
  private textLen = 0;
  private readonly modules = [''];
  private readonly moduleIndex = new Map<string, number>([['', 0]]);
  private n = 0;
  private nonZero = false;
  private sorted = true;

  /** Lines of `b` from `start` to the last newline; returns where the unfinished line begins. */
  push(b: Buffer, start = 0, final = false): number {
    while (start < b.byteLength) {
      let end = b.indexOf(NL, start);
      if (end < 0) {
        if (!final) return start;
        end = b.byteLength;
      }
      this.line(b, start, end);
      start = end + 1;
    }
    return start;
  }

  // "ffffffff81000000 T _stext" or "ffffffffc0a01000 t foo\t[module]"
  private line(b: Buffer, line: number, end: number): void {
    if (end - line < 19 || b[line + 16] !== SPACE || b[line + 18] !== SPACE) return;
    const type = b[line + 17];
    if (type !== 116 && type !== 84 && type !== 119 && type !== 87) return; // t T w W
    let a = 0;
    let zero = true;
    let kernelText = true;
    for (let j = 0; j < 16; j++) {
      const d = hexDigit(b[line + j] ?? 0);
      if (d < 0) return;
      if (d !== 0) zero = false;
      if (j >= 4) a = a * 16 + d;
      else if (d !== 15) kernelText = false;
    }
    if (zero) return;
    this.nonZero = true;
    if (!kernelText) return;
    let nameEnd = b.indexOf(TAB, line + 19);
    if (nameEnd < 0 || nameEnd > end) nameEnd = end;
    if (nameEnd === line + 19) return;
    const mod = nameEnd < end ? this.module(b, nameEnd + 1, end) : 0;
    const n = this.n;
    if (n === this.cap) this.growRows();
    const len = nameEnd - (line + 19);
    if (this.textLen + len > this.text.byteLength) this.text = grow(this.text, new Uint8Array(Math.max(this.text.byteLength * 2, this.textLen + len)));
    if (n > 0 && a < (this.addrs[n - 1] ?? 0)) this.sorted = false;
    this.addrs[n] = a;
    this.moduleOf[n] = mod;
    this.nameAt[n] = this.textLen;
    this.text.set(b.subarray(line + 19, nameEnd), this.textLen);
    this.textLen += len;
    this.n = n + 1;
  }

  private module(b: Buffer, start: number, end: number): number {
    if (b[start] === 91) start++; // [
    if (end > start && b[end - 1] === 93) end--; // ]
    const name = latin1.decode(b.subarray(start, end));
    let m = this.moduleIndex.get(name);
    if (m === undefined && this.modules.length < 0xffff) {
      m = this.modules.length;
      this.modules.push(name);
      this.moduleIndex.set(name, m);
    }
    return m ?? 0;
  }

  private growRows(): void {
    this.cap *= 2;
    this.addrs = grow(this.addrs, new Float64Array(this.cap));
    this.nameAt = grow(this.nameAt, new Uint32Array(this.cap + 1));
    this.moduleOf = grow(this.moduleOf, new Uint16Array(this.cap));
  }

  finish(): KernelSymbols {
    if (!this.nonZero) return HIDDEN_KERNEL_SYMBOLS;
    const n = this.n;
    this.nameAt[n] = this.textLen;
    const k: KernelSymbols = {
      hidden: false,
      addrs: this.addrs.slice(0, n),
      nameAt: this.nameAt.slice(0, n + 1),
      text: this.text.slice(0, this.textLen),
      moduleOf: this.moduleOf.slice(0, n),
      modules: this.modules,
    };
    return this.sorted ? k : sortByAddress(k, n);
  }
}

export function parseKallsyms(input: Uint8Array | string): KernelSymbols {
  const b = typeof input === 'string' ? Buffer.from(input, 'latin1') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const k = new KallsymsBuilder();
  k.push(b, 0, true);
  return k.finish();
}

/** Reads and parses a kallsyms file in 256 KiB chunks: the 5 MB file is never held whole. */
function readKallsymsFile(path: string): KernelSymbols {
  const k = new KallsymsBuilder();
  const chunk = Buffer.allocUnsafe(256 * 1024);
  const fd = openSync(path, 'r');
  try {
    let have = 0;
    for (;;) {
      const got = readSync(fd, chunk, have, chunk.byteLength - have, null);
      const filled = have + got;
      const rest = k.push(chunk.subarray(0, filled), 0, got === 0);
      if (got === 0) break;
      // The unfinished line moves to the front; a line longer than the chunk is dropped.
      have = rest === 0 && filled === chunk.byteLength ? 0 : filled - rest;
      chunk.copyWithin(0, rest, filled);
    }
  } finally {
    closeSync(fd);
  }
  return k.finish();
}

function grow<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/**
 * Indices ordered by address (stable). Kernel text, modules and BPF programs span well under
 * 2^31 bytes, so (address - lowest, index) packs exactly into one double and the native numeric
 * sort does the work, several times faster than a comparator over ~120k symbols.
 */
function addressOrder(addrs: Float64Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n; i++) {
    lo = Math.min(lo, addrs[i] ?? 0);
    hi = Math.max(hi, addrs[i] ?? 0);
  }
  if (hi - lo < 2 ** 31 && n < 2 ** 21) {
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = ((addrs[i] ?? 0) - lo) * 2 ** 21 + i;
    keys.sort();
    for (let j = 0; j < n; j++) order[j] = (keys[j] ?? 0) % 2 ** 21;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => (addrs[x] ?? 0) - (addrs[y] ?? 0) || x - y);
  return order;
}

function sortByAddress(k: KernelSymbols, n: number): KernelSymbols {
  const order = addressOrder(k.addrs, n);
  const nameAt = new Uint32Array(n + 1);
  const text = new Uint8Array(k.text.byteLength);
  let at = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j] ?? 0;
    const name = k.text.subarray(k.nameAt[i] ?? 0, k.nameAt[i + 1] ?? 0);
    nameAt[j] = at;
    text.set(name, at);
    at += name.byteLength;
  }
  nameAt[n] = at;
  return {
    hidden: false,
    addrs: Float64Array.from(order, (i) => k.addrs[i] ?? 0),
    nameAt,
    text,
    moduleOf: Uint16Array.from(order, (i) => k.moduleOf[i] ?? 0),
    modules: k.modules,
  };
}

const PROC_KALLSYMS = '/proc/kallsyms';
let cached: { at: number; k: KernelSymbols } | undefined;
const CACHE_MS = 60_000;

/**
 * The kernel's symbols as this process sees them. A hidden table (zeros: no CAP_SYSLOG) is
 * recognized from the first lines without reading the whole file; /proc/kallsyms, when
 * readable, is parsed once and shared by the captures of the next minute (modules rarely
 * change).
 */
export function readKallsyms(path = PROC_KALLSYMS): KernelSymbols {
  const now = Date.now();
  if (path === PROC_KALLSYMS && cached && now - cached.at < CACHE_MS) return cached.k;
  let k: KernelSymbols;
  try {
    k = kallsymsReadable(path) ? readKallsymsFile(path) : HIDDEN_KERNEL_SYMBOLS;
  } catch {
    k = HIDDEN_KERNEL_SYMBOLS;
  }
  if (path === PROC_KALLSYMS) cached = { at: now, k };
  return k;
}

/** Whether /proc/kallsyms shows real addresses to this process (reads only the first lines). */
export function kallsymsReadable(path = '/proc/kallsyms'): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(4096);
      const n = readSync(fd, buf, 0, buf.length, null);
      const head = buf.subarray(0, n).toString('latin1');
      return /^[0-9a-f]{16} /m.test(head) && !/^0{16} /.test(head);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export function lookupKernel(k: KernelSymbols, off: number): number {
  const found = lastAtOrBelow(k.addrs, off);
  // Farther than 1 MiB from the closest symbol: not plausibly inside it.
  if (found < 0 || off - (k.addrs[found] ?? 0) > 1 << 20) return -1;
  return found;
}
